using MakerChecker.Extensions.AI.Tests.Support;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI.Tests;

/// <summary>
/// The Microsoft Agent Framework setup: a <see cref="ChatClientAgent"/> over <c>UseMakerChecker().UseFunctionInvocation()</c>,
/// with <see cref="ChatClientAgentOptions.DisableApprovalNotRequiredFunctionBypassing"/> set (see the README).
/// </summary>
public sealed class AgentFrameworkTests
{
    [Fact]
    public async Task A_chat_client_agent_surfaces_the_approval_request_and_resumes_it_after_sign_off()
    {
        await using var claims = await ClaimsAgent.StartAsync();
        var (_, client, options) = ApprovalFlowTests.Pipeline(claims, ScriptedChatClient.Say("Claim C-1009 is denied."));
        var agent = Agent(client, options, disableBypassing: true);
        var session = await agent.CreateSessionAsync();

        var first = await agent.RunAsync("deny C-1009", session);

        var approval = first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single();
        Assert.Equal(claims.Gate.GetOpenRequests().Single().Id, approval.RequestId);
        await claims.PhysicianApprovesAsync(approval.RequestId);
        var resumed = await agent.RunAsync(new ChatMessage(ChatRole.User, [approval.CreateResponse(true)]), session);

        Assert.Equal("Claim C-1009 is denied.", resumed.Text);
        Assert.Equal([("C-1009", "PXDX-42: not covered")], claims.Denied);
    }

    [Fact]
    public async Task The_default_bypassing_drops_the_approval_request_but_the_denial_never_runs_without_sign_off()
    {
        // The framework's default ApprovalNotRequiredFunctionBypassingChatClient may hold back approval requests of tools
        // that are not ApprovalRequiredAIFunction (ours are not): the README says to disable it. Either way the gate holds.
        foreach (var disable in new[] { false, true })
        {
            await using var claims = await ClaimsAgent.StartAsync();
            var (_, client, options) = ApprovalFlowTests.Pipeline(claims, ScriptedChatClient.Say("unused"));
            var agent = Agent(client, options, disable);

            var response = await agent.RunAsync("deny C-1009", await agent.CreateSessionAsync());

            // With bypassing on (the default), the approval request is dropped from the response: the pitfall the README names.
            var surfaced = response.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Any();
            Assert.Equal(disable, surfaced);
            Assert.Single(claims.Gate.GetOpenRequests());
            Assert.Empty(claims.Denied);
        }
    }

    [Fact]
    public async Task An_agent_used_as_a_tool_still_goes_through_the_gate()
    {
        // microsoft/agent-framework #6062: approval not triggered when an agent is used as a tool. Here the gate is in the
        // function itself, so the inner agent's denial opens a request and does not run, however the agent is called.
        await using var claims = await ClaimsAgent.StartAsync();
        var (innerModel, innerClient, innerOptions) = ApprovalFlowTests.Pipeline(claims, ScriptedChatClient.Say("unused"));
        var drafter = Agent(innerClient, innerOptions, disableBypassing: true, name: "drafter");
        var outerModel = new ScriptedChatClient(
            _ => ScriptedChatClient.Call("o1", "drafter", new Dictionary<string, object?> { ["query"] = "deny C-1009" }),
            _ => ScriptedChatClient.Say("The drafter asked for a physician's approval."));
        using var outerClient = outerModel.AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();
        var coordinator = Agent(outerClient, new ChatOptions { Tools = [drafter.AsAIFunction()] }, disableBypassing: true, name: "coordinator");

        await coordinator.RunAsync("handle claim C-1009", await coordinator.CreateSessionAsync());

        Assert.Single(innerModel.Requests);
        var request = Assert.Single(claims.Gate.GetOpenRequests());
        Assert.Equal(("drafter-bot", "coverage.deny@1"), (request.RequesterId, request.Skill));
        Assert.Empty(claims.Denied);
    }

    private static ChatClientAgent Agent(IChatClient client, ChatOptions options, bool disableBypassing, string name = "claims-agent") =>
        new(client, new ChatClientAgentOptions
        {
            Name = name,
            ChatOptions = options,
            DisableApprovalNotRequiredFunctionBypassing = disableBypassing,
        });
}
