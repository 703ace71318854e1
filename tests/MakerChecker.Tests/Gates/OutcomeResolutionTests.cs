using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>A started action with no outcome in the log is resolved by an authorised principal, as its own event.</summary>
public class OutcomeResolutionTests
{
    /// <summary>An approved request whose process died while its action ran: <c>action.started</c> and no outcome.</summary>
    private static async Task<(OutcomeHarness Harness, ApprovalGate Restarted, string RequestId)> InterruptedExecutionAsync()
    {
        var h = new OutcomeHarness();
        var id = await h.OpenApprovedAsync();
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);
        await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(async () => await h.Gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action));
        var restarted = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        await restarted.InitializeAsync();
        Assert.Equal(ApprovalStatus.Executing, restarted.GetRequest(id)!.Status);
        return (h, restarted, id);
    }

    [Theory]
    [InlineData("bot", "the principal who ran")]
    [InlineData("helper-bot", "only a human")]
    [InlineData("clerk-1", "approver_not_eligible")]
    [InlineData("dr-gone", "principal_inactive")]
    [InlineData("nobody", "no principal")]
    public async Task Only_an_eligible_human_approver_who_did_not_run_it_may_resolve(string who, string why)
    {
        var (h, gate, id) = await InterruptedExecutionAsync();
        await using var _ = h;
        await using var __ = gate;
        var refused = await gate.ResolveOutcomeAsync(id, who, ActionResolution.NotExecuted, "checked the claims system");
        Assert.Equal(ReasonCodes.ResolutionNotAllowed, refused.ReasonCode);
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Executing, gate.GetRequest(id)!.Status);
        Assert.Contains(await h.Store.EventsAsync(),
            e => e.EventType == AuditEventTypes.DecisionRefused && e.Payload.GetProperty("stage").GetString() == "resolve");
        Assert.DoesNotContain(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionOutcomeResolved);
    }

    [Fact]
    public async Task Resolved_not_executed_the_request_is_approved_again_and_runs_once()
    {
        var (h, gate, id) = await InterruptedExecutionAsync();
        await using var _ = h;
        await using var __ = gate;
        Assert.Equal(ReasonCodes.ReasonRequired, (await gate.ResolveOutcomeAsync(id, "dr-c", ActionResolution.NotExecuted, " ")).ReasonCode);

        var resolved = await gate.ResolveOutcomeAsync(id, "dr-c", ActionResolution.NotExecuted, "the claims system shows no denial for C-1");
        Assert.Equal(ReasonCodes.OutcomeResolved, resolved.ReasonCode);
        Assert.Equal(ApprovalStatus.Approved, resolved.Request!.Status);
        var e = Assert.Single(await h.Store.EventsAsync(), x => x.EventType == AuditEventTypes.ActionOutcomeResolved);
        Assert.Equal("not_executed", e.Payload.GetProperty("resolution").GetString());
        Assert.Equal("dr-c", e.Payload.GetProperty("resolvedBy").GetString());
        Assert.Equal("dr-c", e.Actor.Id);
        Assert.Equal("bot", e.Payload.GetProperty("principalId").GetString());

        Assert.Equal(ReasonCodes.Executed, (await gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action)).ReasonCode);
        Assert.Equal(2, h.Runs); // the interrupted run, and the one the resolver attested never took effect
        Assert.Equal(ReasonCodes.NothingToResolve, (await gate.ResolveOutcomeAsync(id, "dr-c", ActionResolution.Unknown, "again")).ReasonCode);
    }

    [Theory]
    [InlineData(ActionResolution.Executed, ApprovalStatus.Executed)]
    [InlineData(ActionResolution.Unknown, ApprovalStatus.Failed)]
    public async Task Resolved_executed_or_unknown_the_request_never_runs_again(ActionResolution resolution, ApprovalStatus status)
    {
        var (h, gate, id) = await InterruptedExecutionAsync();
        await using var _ = h;
        await using var __ = gate;
        Assert.Equal(ReasonCodes.OutcomeResolved, (await gate.ResolveOutcomeAsync(id, "dr-a", resolution, "checked the claims system")).ReasonCode);
        Assert.Equal(status, gate.GetRequest(id)!.Status);
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action)).ReasonCode);
        Assert.Equal(1, h.Runs);

        // A restart replays the resolution.
        await using var again = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        await again.InitializeAsync();
        Assert.Equal(status, again.GetRequest(id)!.Status);
    }

    [Fact]
    public async Task A_request_that_never_started_has_nothing_to_resolve()
    {
        await using var h = new OutcomeHarness();
        var id = await h.OpenApprovedAsync();
        Assert.Equal(ReasonCodes.NothingToResolve, (await h.Gate.ResolveOutcomeAsync(id, "dr-c", ActionResolution.Executed, "x")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestNotFound, (await h.Gate.ResolveOutcomeAsync("no-such-id", "dr-c", ActionResolution.Executed, "x")).ReasonCode);
    }

    [Fact]
    public async Task A_keyed_invocation_under_a_gate_resolved_executed_is_replayed_not_run()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InitializeAsync();
        // coverage.note@1 samples 5 % for review; the draw of 0.99 lets it run, and its gate names who may resolve it.
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);
        var lost = await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.InvokeAsync("bot", Note, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1"));

        await using var restarted = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        var retried = await restarted.InvokeAsync("bot", Note, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.Equal(ReasonCodes.AlreadyInvoked, retried.ReasonCode);
        var resolved = await restarted.ResolveOutcomeAsync(lost.EntityId, "dr-a", ActionResolution.Executed, "the note is in the file");
        Assert.Equal(ReasonCodes.OutcomeResolved, resolved.ReasonCode);
        Assert.True((await restarted.InvokeAsync("bot", Note, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1")).IsReplay);
        Assert.Equal(1, h.Runs);
        // The crash lost the in-memory outcome; the log ends the invocation with the resolution alone.
        var endings = (await h.Store.EventsAsync()).Where(e => e.EntityId == lost.EntityId && e.EventType != AuditEventTypes.DecisionAllowed).ToList();
        Assert.Equal([AuditEventTypes.DecisionRefused, AuditEventTypes.ActionOutcomeResolved], endings.Select(e => e.EventType));
    }

    [Fact]
    public async Task An_ungated_invocation_names_no_one_who_may_resolve_it()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InitializeAsync();
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);
        var lost = await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action));
        await using var restarted = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        var refused = await restarted.ResolveOutcomeAsync(lost.EntityId, "dr-a", ActionResolution.Executed, "x");
        Assert.Equal(ReasonCodes.ResolutionNotAllowed, refused.ReasonCode);
        Assert.Contains("no gate", refused.Message, StringComparison.Ordinal);
    }
}
