using System.Text.Json;
using MakerChecker.Audit.Stores;
using MakerChecker.Extensions.AI.Tests.Support;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI.Tests;

/// <summary>The gated function on its own and inside a function-calling loop: allowed, refused, waiting, who calls, fail closed.</summary>
public sealed class MakerCheckerFunctionTests
{
    [Fact]
    public async Task Allowed_call_runs_the_inner_function_and_returns_its_result()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var flag = claims.GatedFlag();

        var result = await flag.InvokeAsync(new AIFunctionArguments { ["claimId"] = "C-1009" });

        Assert.Equal("claim C-1009 flagged", Assert.IsType<JsonElement>(result).GetString());
        Assert.Equal(["C-1009"], claims.Flagged);
        Assert.Contains("decision.allowed", await claims.EventTypesAsync());
    }

    [Fact]
    public async Task Refused_call_returns_the_reason_code_and_rule_and_runs_nothing()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var deny = claims.GatedDeny("screener-bot"); // the screen may never deny

        var result = await deny.InvokeAsync(new AIFunctionArguments(ClaimsAgent.DenyArguments));

        var refused = Assert.IsType<GatedCallResult>(result);
        Assert.Equal(GatedCallResult.Refused, refused.Status);
        Assert.Equal("skill_forbidden", refused.ReasonCode);
        Assert.Contains("claims-review.yaml:", refused.Rule);
        Assert.Null(refused.RequestId);
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task A_refusal_is_an_answer_the_model_gets_not_an_error_that_burns_the_loop_budget()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var model = new ScriptedChatClient(
            _ => ScriptedChatClient.Call("c1", "deny_claim", ClaimsAgent.DenyArguments),
            _ => ScriptedChatClient.Call("c2", "deny_claim", ClaimsAgent.DenyArguments),
            _ => ScriptedChatClient.Say("I may not deny claims."));
        using var client = model.AsBuilder().UseMakerChecker().UseFunctionInvocation(configure: f => f.MaximumConsecutiveErrorsPerRequest = 1).Build();

        var response = await client.GetResponseAsync("deny C-1009", new ChatOptions { Tools = [claims.GatedDeny("screener-bot")] });

        Assert.Equal("I may not deny claims.", response.Text);
        var results = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Null(r.Exception));
        Assert.All(results, r => Assert.Equal("skill_forbidden", Assert.IsType<GatedCallResult>(r.Result).ReasonCode));
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task Gated_call_opens_a_request_bound_to_the_arguments_and_stops_the_loop()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c1", "deny_claim", ClaimsAgent.DenyArguments));
        using var client = model.AsBuilder().UseFunctionInvocation().Build(); // without UseMakerChecker: the raw result shows

        var response = await client.GetResponseAsync("deny C-1009", new ChatOptions { Tools = [claims.GatedDeny()] });

        Assert.Single(model.Requests); // Terminate: the model is not asked again as if the denial had run
        var waiting = Assert.IsType<GatedCallResult>(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result);
        Assert.Equal(GatedCallResult.ApprovalRequired, waiting.Status);
        var request = claims.Gate.GetRequest(waiting.RequestId!)!;
        Assert.Equal("drafter-bot", request.RequesterId);
        Assert.Equal("coverage.deny@1", request.Skill);
        var other = await claims.Gate.ExecuteAsync(request.Id, "drafter-bot", ClaimsAgent.DenyPayload(), _ => ValueTask.CompletedTask);
        Assert.Equal("not_approved", other.ReasonCode); // bound to the arguments, and not approved
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task Principal_comes_from_chat_options_also_as_a_json_element_after_a_round_trip()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var flag = claims.Flag.WithMakerChecker(claims.Gate, "coverage.flag@1", new MakerCheckerFunctionOptions());
        var options = new ChatOptions { Tools = [flag], AdditionalProperties = new() { ["makerchecker.principal"] = "screener-bot" } };
        var roundTripped = JsonSerializer.Deserialize<ChatOptions>(JsonSerializer.Serialize(options, AIJsonUtilities.DefaultOptions), AIJsonUtilities.DefaultOptions)!;
        Assert.IsType<JsonElement>(roundTripped.AdditionalProperties!["makerchecker.principal"]);
        roundTripped.Tools = [flag];

        foreach (var o in new[] { options, roundTripped })
        {
            var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c1", "flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-7" }),
                _ => ScriptedChatClient.Say("flagged"));
            using var client = model.AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();
            await client.GetResponseAsync("flag C-7", o);
        }

        Assert.Equal(["C-7", "C-7"], claims.Flagged);
    }

    [Fact]
    public async Task Principal_resolver_sees_the_function_invocation_context()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var seen = new List<string>();
        var flag = claims.Flag.WithMakerChecker(claims.Gate, "coverage.flag@1", new MakerCheckerFunctionOptions
        {
            PrincipalResolver = call => { seen.Add(call.Invocation!.CallContent.CallId); return "screener-bot"; },
        });
        var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c9", "flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-7" }),
            _ => ScriptedChatClient.Say("flagged"));
        using var client = model.AsBuilder().UseFunctionInvocation().Build();

        await client.GetResponseAsync("flag C-7", new ChatOptions { Tools = [flag] });

        Assert.Equal(["c9"], seen);
        Assert.Equal(["C-7"], claims.Flagged);
    }

    [Fact]
    public async Task A_call_without_a_principal_throws_and_runs_nothing()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var flag = claims.Flag.WithMakerChecker(claims.Gate, "coverage.flag@1", new MakerCheckerFunctionOptions());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await flag.InvokeAsync(new() { ["claimId"] = "C-1" }));

        Assert.Contains("makerchecker.principal", error.Message);
        Assert.Empty(claims.Flagged);
    }

    [Fact]
    public async Task When_the_audit_write_fails_the_tool_never_runs()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        claims.Store.Down = true;
        var flag = claims.GatedFlag();

        await Assert.ThrowsAsync<AuditStoreException>(async () => await flag.InvokeAsync(new() { ["claimId"] = "C-1" }));

        // Inside the loop too: the error goes to the model, the action does not run.
        var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c1", "flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-2" }),
            _ => ScriptedChatClient.Say("the flag failed"));
        using var client = model.AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync("flag C-2", new ChatOptions { Tools = [flag] });
        Assert.IsType<AuditStoreException>(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Exception);
        Assert.Empty(claims.Flagged);
        Assert.True(claims.Store.Injected >= 2);
    }

    [Fact]
    public async Task A_skill_that_is_not_name_at_version_is_refused_when_the_function_is_gated()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var error = Assert.Throws<ArgumentException>(() => claims.Deny.WithMakerChecker(claims.Gate, "coverage.deny", "drafter-bot"));
        Assert.Contains("name@version", error.Message);
    }
}
