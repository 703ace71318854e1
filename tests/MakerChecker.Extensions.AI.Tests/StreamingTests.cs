using MakerChecker.Extensions.AI.Tests.Support;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI.Tests;

/// <summary>The same flow through <c>GetStreamingResponseAsync</c>.</summary>
public sealed class StreamingTests
{
    [Fact]
    public async Task A_waiting_call_streams_as_an_approval_request_and_its_call_is_never_streamed()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (model, client, options) = ApprovalFlowTests.Pipeline(claims, ScriptedChatClient.Say("unused"));

        var updates = await client.GetStreamingResponseAsync("deny C-1009", options).ToListAsync();

        var contents = updates.SelectMany(u => u.Contents).ToList();
        var approval = Assert.IsType<ToolApprovalRequestContent>(Assert.Single(contents));
        Assert.Equal(claims.Gate.GetOpenRequests().Single().Id, approval.RequestId);
        Assert.False(((FunctionCallContent)approval.ToolCall).InformationalOnly);
        Assert.Single(model.Requests);
        Assert.Empty(claims.Denied);
    }

    [Fact]
    public async Task Streaming_resume_waits_before_sign_off_and_runs_once_after()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (model, client, options) = ApprovalFlowTests.Pipeline(claims, ScriptedChatClient.Say("Claim C-1009 is denied."));
        var user = new ChatMessage(ChatRole.User, "deny C-1009");
        List<ChatMessage> history = [user, .. (await client.GetStreamingResponseAsync([user], options).ToListAsync()).ToChatResponse().Messages];

        var early = await client.GetStreamingResponseAsync([.. history, ApprovalFlowTests.Approve(history)], options).ToListAsync();
        Assert.IsType<ToolApprovalRequestContent>(Assert.Single(early.SelectMany(u => u.Contents)));
        Assert.Empty(claims.Denied);

        await claims.PhysicianApprovesAsync(claims.Gate.GetOpenRequests().Single().Id);
        var resumed = (await client.GetStreamingResponseAsync([.. history, ApprovalFlowTests.Approve(history)], options).ToListAsync()).ToChatResponse();

        Assert.Equal([("C-1009", "PXDX-42: not covered")], claims.Denied);
        Assert.Equal("Claim C-1009 is denied.", resumed.Text);
        var contents = resumed.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Contains(contents, c => c is FunctionCallContent { CallId: "c1" });
        Assert.Contains(contents, c => c is FunctionResultContent { CallId: "c1" });
        Assert.Equal(2, model.Requests.Count);
    }

    [Fact]
    public async Task Allowed_and_refused_calls_stream_their_call_and_result()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var model = new ScriptedChatClient(
            _ => ScriptedChatClient.Call("f1", "flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1009" }),
            _ => ScriptedChatClient.Call("d1", "deny_claim", ClaimsAgent.DenyArguments),
            _ => ScriptedChatClient.Say("flagged; I may not deny"));
        using var client = model.AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();
        var options = new ChatOptions { Tools = [claims.GatedFlag(), claims.GatedDeny("screener-bot")] };

        var response = (await client.GetStreamingResponseAsync("flag and deny C-1009", options).ToListAsync()).ToChatResponse();

        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        Assert.Equal(2, contents.OfType<FunctionCallContent>().Count());
        var results = contents.OfType<FunctionResultContent>().ToDictionary(r => r.CallId);
        Assert.Contains("flagged", results["f1"].Result!.ToString());
        Assert.Equal("skill_forbidden", Assert.IsType<GatedCallResult>(results["d1"].Result).ReasonCode);
        Assert.Equal(["C-1009"], claims.Flagged);
        Assert.Empty(claims.Denied);
    }
}
