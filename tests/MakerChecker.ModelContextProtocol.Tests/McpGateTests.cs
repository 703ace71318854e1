using MakerChecker.Audit.Stores;
using MakerChecker.ModelContextProtocol.Tests.Support;
using ModelContextProtocol.Protocol;

namespace MakerChecker.ModelContextProtocol.Tests;

/// <summary>An MCP server under the gate, through a real client over in-process pipes.</summary>
public sealed class McpGateTests
{
    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task Allowed_call_runs_the_tool()
    {
        await using var mcp = await InProcessMcp.StartAsync(user: "screener-bot");

        var result = await mcp.CallAsync("flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1009" });

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("claim C-1009 flagged", Text(result));
        Assert.Equal(["C-1009"], mcp.Tools.Flagged);
    }

    [Fact]
    public async Task Refused_call_is_a_tool_error_with_the_reason_code_and_runs_nothing()
    {
        await using var mcp = await InProcessMcp.StartAsync(user: "screener-bot");

        var result = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments);

        Assert.True(result.IsError);
        Assert.Equal("refused", InProcessMcp.Field(result, "status"));
        Assert.Equal("skill_forbidden", InProcessMcp.Field(result, "reason_code"));
        Assert.Contains("claims-review.yaml:", InProcessMcp.Field(result, "rule"));
        Assert.Empty(mcp.Tools.Denied);
    }

    [Fact]
    public async Task A_tool_that_is_not_mapped_is_refused_and_an_ungoverned_one_runs()
    {
        await using var mcp = await InProcessMcp.StartAsync();

        var pay = await mcp.CallAsync("pay_claim", new Dictionary<string, object?> { ["claimId"] = "C-1" });
        var lookup = await mcp.CallAsync("lookup_claim", new Dictionary<string, object?> { ["claimId"] = "C-1" });

        Assert.True(pay.IsError);
        Assert.Equal("tool_not_governed", InProcessMcp.Field(pay, "reason_code"));
        Assert.Empty(mcp.Tools.Paid);
        Assert.NotEqual(true, lookup.IsError);
        Assert.Equal(["C-1"], mcp.Tools.LookedUp);
    }

    [Fact]
    public async Task A_call_without_an_authenticated_user_is_refused_principal_unknown()
    {
        await using var mcp = await InProcessMcp.StartAsync(user: null);

        var result = await mcp.CallAsync("flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1" });

        Assert.Equal("principal_unknown", InProcessMcp.Field(result, "reason_code"));
        Assert.Empty(mcp.Tools.Flagged);
    }

    [Fact]
    public async Task A_configured_resolver_names_the_principal()
    {
        await using var mcp = await InProcessMcp.StartAsync(user: null, o =>
        {
            o.Map("flag_claim", "coverage.flag@1");
            o.PrincipalResolver = _ => "screener-bot";
        });

        var result = await mcp.CallAsync("flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(["C-1"], mcp.Tools.Flagged);
    }

    [Fact]
    public async Task A_gated_call_returns_at_once_with_the_request_id_and_where_to_review()
    {
        await using var mcp = await InProcessMcp.StartAsync(configure: o => o.Map("deny_claim", "coverage.deny@1").ReviewLocation = id => $"https://inbox.example/requests/{id}");

        var result = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments);

        Assert.True(result.IsError);
        Assert.Equal("approval_required", InProcessMcp.Field(result, "status"));
        var requestId = InProcessMcp.Field(result, "request_id");
        Assert.Equal(mcp.Gate.GetOpenRequests().Single().Id, requestId);
        Assert.Equal($"https://inbox.example/requests/{requestId}", InProcessMcp.Field(result, "review"));
        Assert.Equal(requestId, InProcessMcp.Structured(result).GetProperty("resume").GetProperty("meta").GetProperty("makerchecker/requestId").GetString());
        Assert.Empty(mcp.Tools.Denied);
    }

    [Fact]
    public async Task Resuming_with_meta_waits_before_sign_off_refuses_self_approval_and_runs_once_after()
    {
        await using var mcp = await InProcessMcp.StartAsync();
        var requestId = InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments), "request_id");

        var early = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments, requestId);
        Assert.Equal(("pending", "not_approved"), (InProcessMcp.Field(early, "status"), InProcessMcp.Field(early, "reason_code")));

        await mcp.Gate.PresentAsync(requestId, "drafter-bot");
        mcp.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True((await mcp.Gate.ApproveAsync(requestId, "drafter-bot", "mine")).IsRefused); // the agent cannot approve itself
        Assert.Equal("pending", InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments, requestId), "status"));
        Assert.Empty(mcp.Tools.Denied);

        await mcp.PhysicianApprovesAsync(requestId);
        var run = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments, requestId);
        var again = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments, requestId);

        Assert.NotEqual(true, run.IsError);
        Assert.Contains("claim C-1009 denied", Text(run));
        Assert.Equal("already_executed", InProcessMcp.Field(again, "reason_code"));
        Assert.Equal([("C-1009", "PXDX-42: not covered")], mcp.Tools.Denied);
    }

    [Fact]
    public async Task Resuming_with_changed_arguments_is_refused_payload_mismatch()
    {
        await using var mcp = await InProcessMcp.StartAsync();
        var requestId = InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments), "request_id");
        await mcp.PhysicianApprovesAsync(requestId);

        var changed = await mcp.CallAsync("deny_claim", new Dictionary<string, object?> { ["claimId"] = "C-2000", ["reason"] = "PXDX-42: not covered" }, requestId);

        Assert.Equal("payload_mismatch", InProcessMcp.Field(changed, "reason_code"));
        Assert.Empty(mcp.Tools.Denied);
    }

    [Fact]
    public async Task Resuming_through_another_tool_is_refused_request_skill_mismatch()
    {
        await using var mcp = await InProcessMcp.StartAsync();
        var requestId = InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments), "request_id");
        await mcp.PhysicianApprovesAsync(requestId);

        var other = await mcp.CallAsync("flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1009" }, requestId);

        Assert.Equal("request_skill_mismatch", InProcessMcp.Field(other, "reason_code"));
        Assert.Empty(mcp.Tools.Flagged);
        Assert.Empty(mcp.Tools.Denied);
    }

    [Fact]
    public async Task The_companion_tool_resumes_for_clients_that_cannot_pass_meta()
    {
        await using var mcp = await InProcessMcp.StartAsync();
        Assert.Contains(await mcp.Client.ListToolsAsync(), t => t.Name == "makerchecker_execute");
        var requestId = InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments), "request_id");
        var execute = new Dictionary<string, object?> { ["request_id"] = requestId, ["tool"] = "deny_claim", ["arguments"] = InProcessMcp.DenyArguments };

        var early = await mcp.CallAsync("makerchecker_execute", execute);
        await mcp.PhysicianApprovesAsync(requestId);
        var run = await mcp.CallAsync("makerchecker_execute", execute);

        Assert.Equal("pending", InProcessMcp.Field(early, "status"));
        Assert.NotEqual(true, run.IsError);
        Assert.Contains("claim C-1009 denied", Text(run));
        Assert.Equal([("C-1009", "PXDX-42: not covered")], mcp.Tools.Denied);
    }

    [Fact]
    public async Task When_the_audit_write_fails_the_tool_never_runs()
    {
        await using var mcp = await InProcessMcp.StartAsync(user: "screener-bot");
        mcp.Store.Down = true;

        var result = await mcp.CallAsync("flag_claim", new Dictionary<string, object?> { ["claimId"] = "C-1" });

        Assert.True(result.IsError);
        Assert.Empty(mcp.Tools.Flagged);
        Assert.True(mcp.Store.Injected >= 1);
    }

    [Fact]
    public async Task When_the_audit_write_fails_on_resume_the_tool_never_runs()
    {
        await using var mcp = await InProcessMcp.StartAsync();
        var requestId = InProcessMcp.Field(await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments), "request_id");
        await mcp.PhysicianApprovesAsync(requestId);
        mcp.Store.Down = true;

        var result = await mcp.CallAsync("deny_claim", InProcessMcp.DenyArguments, requestId);

        Assert.True(result.IsError);
        Assert.Empty(mcp.Tools.Denied);
    }

    [Fact]
    public void Mapping_mistakes_are_refused_when_the_server_is_configured()
    {
        var options = new MakerCheckerMcpOptions().Map("deny_claim", "coverage.deny@1");
        Assert.Contains("name@version", Assert.Throws<ArgumentException>(() => options.Map("x", "coverage.deny")).Message);
        Assert.Contains("already mapped", Assert.Throws<ArgumentException>(() => options.Ungoverned("deny_claim")).Message);
        Assert.Contains("companion", Assert.Throws<ArgumentException>(() => options.Map("makerchecker_execute", "a.b@1")).Message);
    }
}
