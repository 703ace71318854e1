using MakerChecker.Extensions.AI.Tests.Support;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI.Tests;

/// <summary>
/// The whole approval flow through <c>UseMakerChecker().UseFunctionInvocation()</c>: a native approval request carrying the
/// gate request's id; the chat user's "approve" only resumes; sign-offs come from reviewers; the denial runs once, with
/// exactly the approved arguments.
/// </summary>
public sealed class ApprovalFlowTests
{
    [Fact]
    public async Task A_waiting_call_surfaces_as_a_native_approval_request_carrying_the_request_id()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (model, client, options) = Pipeline(claims, ScriptedChatClient.Say("unused"));

        var response = await client.GetResponseAsync("deny C-1009", options);

        var approval = Assert.IsType<ToolApprovalRequestContent>(Assert.Single(response.Messages.SelectMany(m => m.Contents)));
        var request = Assert.Single(claims.Gate.GetOpenRequests());
        Assert.Equal(request.Id, approval.RequestId);
        var call = Assert.IsType<FunctionCallContent>(approval.ToolCall);
        Assert.Equal(("c1", "deny_claim", false), (call.CallId, call.Name, call.InformationalOnly));
        Assert.Equal(ClaimsAgent.DenyArguments, call.Arguments!);
        Assert.Equal("approval_required", approval.AdditionalProperties!["makerchecker.status"]);
        Assert.Single(model.Requests);
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task Resuming_before_sign_off_stays_pending_runs_nothing_and_records_nothing()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (model, client, options) = Pipeline(claims, ScriptedChatClient.Say("unused"));
        var history = await OpenAsync(client, options);
        var events = (await claims.EventsAsync()).Count;

        var again = await client.GetResponseAsync([.. history, Approve(history)], options);

        var approval = Assert.IsType<ToolApprovalRequestContent>(Assert.Single(again.Messages.SelectMany(m => m.Contents)));
        Assert.Equal(claims.Gate.GetOpenRequests().Single().Id, approval.RequestId);
        Assert.Equal("pending", approval.AdditionalProperties!["makerchecker.status"]);
        Assert.Single(model.Requests); // the model was not asked: nothing happened it could report
        Assert.Empty(claims.Denied);
        Assert.Equal(events, (await claims.EventsAsync()).Count);
    }

    [Fact]
    public async Task The_agent_cannot_approve_its_own_request_and_resuming_after_that_still_waits()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("unused"));
        var history = await OpenAsync(client, options);
        var requestId = claims.Gate.GetOpenRequests().Single().Id;

        await claims.Gate.PresentAsync(requestId, "drafter-bot");
        claims.Clock.Advance(TimeSpan.FromMinutes(5));
        var self = await claims.Gate.ApproveAsync(requestId, "drafter-bot", "looks right to me");
        var again = await client.GetResponseAsync([.. history, Approve(history)], options);

        Assert.True(self.IsRefused);
        Assert.Contains(self.ReasonCode, new[] { "approver_not_eligible", "agent_cannot_approve", "requester_cannot_approve" });
        Assert.IsType<ToolApprovalRequestContent>(Assert.Single(again.Messages.SelectMany(m => m.Contents)));
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task After_sign_off_resuming_runs_the_denial_once_with_the_bound_arguments()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (model, client, options) = Pipeline(claims, ScriptedChatClient.Say("Claim C-1009 is denied."), ScriptedChatClient.Say("Nothing more to do."));
        var history = await OpenAsync(client, options);
        var signed = await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);
        Assert.Equal("signed_off", signed.ReasonCode);

        List<ChatMessage> turn = [.. history, Approve(history)];
        var resumed = await client.GetResponseAsync(turn, options);

        Assert.Equal([("C-1009", "PXDX-42: not covered")], claims.Denied);
        Assert.Equal("Claim C-1009 is denied.", resumed.Text);
        var result = resumed.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal("c1", result.CallId);
        Assert.Contains("claim C-1009 denied", result.Result!.ToString());
        // The model saw the call and its result, never the approval contents.
        var seen = model.Requests[1].SelectMany(m => m.Contents).ToList();
        Assert.Contains(seen, c => c is FunctionResultContent { CallId: "c1" });
        Assert.DoesNotContain(seen, c => c is ToolApprovalRequestContent or ToolApprovalResponseContent);
        Assert.Contains("action.executed", await claims.EventTypesAsync());

        // The next turn carries the same approval answer in its history: it is not run again.
        await client.GetResponseAsync([.. turn, .. resumed.Messages, new ChatMessage(ChatRole.User, "thanks")], options);
        Assert.Single(claims.Denied);
    }

    [Fact]
    public async Task A_history_stored_as_json_and_read_back_resumes_the_same_request()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("denied"));
        var history = await OpenAsync(client, options);
        await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);

        // Arguments come back as JsonElements: the payload built from them must have the same digest.
        var json = System.Text.Json.JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions);
        var stored = System.Text.Json.JsonSerializer.Deserialize<List<ChatMessage>>(json, AIJsonUtilities.DefaultOptions)!;
        Assert.IsType<System.Text.Json.JsonElement>(stored.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single()
            .ToolCall is FunctionCallContent call ? call.Arguments!["claimId"] : null);
        await client.GetResponseAsync([.. stored, Approve(stored)], options);

        Assert.Equal([("C-1009", "PXDX-42: not covered")], claims.Denied);
    }

    [Fact]
    public async Task A_second_resume_of_an_executed_request_is_refused_already_executed()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("denied"), ScriptedChatClient.Say("again?"));
        var history = await OpenAsync(client, options);
        await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);
        await client.GetResponseAsync([.. history, Approve(history)], options);

        var replayed = await client.GetResponseAsync([.. history, Approve(history)], options); // the same answer, sent again alone

        var result = replayed.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal("already_executed", Assert.IsType<GatedCallResult>(result.Result).ReasonCode);
        Assert.Single(claims.Denied);
    }

    [Fact]
    public async Task Changed_arguments_are_refused_payload_mismatch_and_nothing_runs()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("the denial was refused"));
        var history = await OpenAsync(client, options);
        await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);

        var request = history.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        var changed = new FunctionCallContent("c1", "deny_claim", new Dictionary<string, object?> { ["claimId"] = "C-2000", ["reason"] = "PXDX-42: not covered" });
        var tampered = new ChatMessage(ChatRole.User, [new ToolApprovalResponseContent(request.RequestId, true, changed)]);
        var response = await client.GetResponseAsync([.. history, tampered], options);

        var result = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal("payload_mismatch", Assert.IsType<GatedCallResult>(result.Result).ReasonCode);
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task An_approval_cannot_be_resumed_through_another_gated_function()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, _) = Pipeline(claims, ScriptedChatClient.Say("refused"));
        var options = new ChatOptions { Tools = [claims.GatedDeny(), claims.Flag.WithMakerChecker(claims.Gate, "coverage.flag@1", "drafter-bot")] };
        var history = await OpenAsync(client, options);
        var request = history.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        await claims.PhysicianApprovesAsync(request.RequestId);

        var other = new FunctionCallContent("c1", "flag_claim", ClaimsAgent.DenyArguments);
        var response = await client.GetResponseAsync([.. history, new ChatMessage(ChatRole.User, [new ToolApprovalResponseContent(request.RequestId, true, other)])], options);

        var result = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal(GatedCallResult.RequestSkillMismatch, Assert.IsType<GatedCallResult>(result.Result).ReasonCode);
        Assert.Empty(claims.Flagged);
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task When_the_audit_write_fails_on_resume_the_denial_never_runs()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("unused"));
        var history = await OpenAsync(client, options);
        await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);
        claims.Store.Down = true;

        await Assert.ThrowsAsync<MakerChecker.Audit.Stores.AuditStoreException>(() => client.GetResponseAsync([.. history, Approve(history)], options));

        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task Declining_to_resume_runs_nothing_and_leaves_the_request_open_for_reviewers()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = Pipeline(claims, ScriptedChatClient.Say("ok, not denied"));
        var history = await OpenAsync(client, options);
        var request = history.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();

        var response = await client.GetResponseAsync([.. history, new ChatMessage(ChatRole.User, [request.CreateResponse(false)])], options);

        var result = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal(GatedCallResult.NotResumed, Assert.IsType<GatedCallResult>(result.Result).Status);
        Assert.Single(claims.Gate.GetOpenRequests());
        Assert.Empty(claims.Denied);
    }

    internal static (ScriptedChatClient Model, IChatClient Client, ChatOptions Options) Pipeline(
        ClaimsAgent claims, params ChatResponse[] after)
    {
        var script = new List<Func<IReadOnlyList<ChatMessage>, ChatResponse>> { _ => ScriptedChatClient.Call("c1", "deny_claim", ClaimsAgent.DenyArguments) };
        script.AddRange(after.Select(r => (Func<IReadOnlyList<ChatMessage>, ChatResponse>)(_ => r)));
        var model = new ScriptedChatClient([.. script]);
        var client = model.AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();
        return (model, client, new ChatOptions { Tools = [claims.GatedDeny()] });
    }

    /// <summary>The first turn: the model asks to deny; returns the history the app keeps (user message and response).</summary>
    internal static async Task<List<ChatMessage>> OpenAsync(IChatClient client, ChatOptions options)
    {
        var user = new ChatMessage(ChatRole.User, "deny C-1009");
        var response = await client.GetResponseAsync([user], options);
        return [user, .. response.Messages];
    }

    /// <summary>The chat user's "approve": a resume signal for the approval request in <paramref name="history"/>.</summary>
    internal static ChatMessage Approve(IEnumerable<ChatMessage> history) =>
        new(ChatRole.User, [history.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Last().CreateResponse(true)]);
}
