using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>What the caller is told, and what the log ends up saying, when the log fails after an action ran.</summary>
public class ActionOutcomeTests
{
    [Fact]
    public async Task An_action_whose_outcome_cannot_be_recorded_is_reported_as_run_and_recorded_when_the_store_recovers()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InitializeAsync();
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);

        var thrown = await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action));
        Assert.Equal(1, h.Runs);
        var allowed = Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.DecisionAllowed);
        Assert.Equal(allowed.EntityId, thrown.EntityId);
        Assert.Equal(AuditEventWriter.InvocationEntity, thrown.EntityType);
        Assert.Equal(AuditEventTypes.ActionExecuted, thrown.OutcomeEventType);
        Assert.Null(thrown.ActionException);
        Assert.DoesNotContain("nothing was done", thrown.Message, StringComparison.Ordinal);

        // The next call records the owed outcome before its own decision.
        Assert.Equal(ReasonCodes.Allowed, (await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-2"), h.Action)).ReasonCode);
        var types = (await h.Store.EventsAsync()).Select(e => e.EventType).ToArray();
        string[] expected = [AuditEventTypes.DecisionAllowed, AuditEventTypes.ActionExecuted, AuditEventTypes.DecisionAllowed, AuditEventTypes.ActionExecuted];
        Assert.Equal(expected, types[^4..]);
        Assert.Equal(allowed.EntityId, (await h.Store.EventsAsync())[^3].EntityId);
        await h.AssertLogTellsTheTruthAsync();
    }

    [Fact]
    public async Task While_an_outcome_is_owed_the_gate_refuses_new_work_and_records_it_once_the_store_is_back()
    {
        await using var h = new OutcomeHarness();
        var request = await h.OpenDenialAsync();
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);
        await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action));

        h.Store.Down = true;
        var count = (await h.Store.EventsAsync()).Count;
        var refused = await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-2"), h.Action));
        Assert.StartsWith(ReasonCodes.OutcomeNotRecorded, refused.Message, StringComparison.Ordinal);
        Assert.Contains(AuditEventTypes.ActionExecuted, refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.PresentAsync(request, "dr-a"));
        await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.BreakGlassAsync("dr-a", Deny, OutcomeHarness.Claim(), "urgent", h.Action));
        await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.RefreshAsync());
        Assert.Equal(1, h.Runs);
        Assert.Equal(count, (await h.Store.EventsAsync()).Count);

        h.Store.Down = false;
        await h.Gate.RefreshAsync();
        Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionExecuted);
        Assert.False((await h.Gate.PresentAsync(request, "dr-a")).IsRefused);
        await h.AssertLogTellsTheTruthAsync();
    }

    [Fact]
    public async Task An_outcome_that_became_durable_before_its_append_failed_is_not_recorded_twice()
    {
        await using var h = new OutcomeHarness { ActionThrows = true };
        var id = await h.OpenApprovedAsync();
        h.Store.FailAppend(2, FaultPoint.AfterDurable);

        var thrown = await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action));
        Assert.IsType<InvalidOperationException>(thrown.ActionException);
        Assert.Equal(AuditEventTypes.ActionFailed, thrown.OutcomeEventType);
        Assert.Equal(id, thrown.EntityId);

        await h.Gate.RefreshAsync();
        Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionFailed);
        Assert.Equal(ApprovalStatus.Failed, h.Gate.GetRequest(id)!.Status);
        await h.AssertLogTellsTheTruthAsync();
    }

    [Fact]
    public async Task A_start_that_became_durable_before_its_append_failed_is_resolved_so_the_approved_request_can_still_run_once()
    {
        await using var h = new OutcomeHarness();
        var id = await h.OpenApprovedAsync();
        h.Store.FailAppend(1, FaultPoint.AfterDurable);

        var thrown = await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action));
        Assert.Contains("The action did not run", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Runs);

        // Before the fix the retry said already_executed and the request stayed Executing for ever, its action never run.
        var retried = await h.Gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action);
        Assert.Equal(ReasonCodes.Executed, retried.ReasonCode);
        Assert.Equal(1, h.Runs);
        var resolved = Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionOutcomeResolved);
        Assert.Equal("not_executed", resolved.Payload.GetProperty("resolution").GetString());
        Assert.Equal("system", resolved.Actor.Kind);
        Assert.Equal(ApprovalStatus.Executed, h.Gate.GetRequest(id)!.Status);
        await h.AssertLogTellsTheTruthAsync();
    }

    [Fact]
    public async Task A_start_that_never_became_durable_leaves_nothing_to_resolve()
    {
        await using var h = new OutcomeHarness();
        var id = await h.OpenApprovedAsync();
        h.Store.FailAppend(1, FaultPoint.BeforeDurable);
        await Assert.ThrowsAsync<AuditStoreException>(async () => await h.Gate.ExecuteAsync(id, "bot", OutcomeHarness.Claim(), h.Action));
        await h.Gate.RefreshAsync();
        Assert.DoesNotContain(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionOutcomeResolved);
        Assert.Equal(ApprovalStatus.Approved, h.Gate.GetRequest(id)!.Status);
    }

    [Fact]
    public async Task The_debt_belongs_to_the_gate_that_ran_the_action_and_is_paid_after_other_gates_appended()
    {
        await using var h = new OutcomeHarness();
        await using var other = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        await h.Gate.InitializeAsync();
        h.Store.FailAppend(2, FaultPoint.AfterDurable);
        var lost = await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action));

        // Another gate over the same log keeps working, and its events move the head.
        Assert.Equal(ReasonCodes.Allowed, (await other.InvokeAsync("clerk-1", Flag, OutcomeHarness.Claim("C-2"), h.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.Allowed, (await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-3"), h.Action)).ReasonCode);
        Assert.Equal(3, h.Runs);
        // The failed append had become durable: the read-back found it, so it is in the log once.
        Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ActionExecuted && e.EntityId == lost.EntityId);
        await h.AssertLogTellsTheTruthAsync();
    }
}
