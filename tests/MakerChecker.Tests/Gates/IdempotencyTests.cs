using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>An agent's retry of the same call, with the same idempotency key, never runs the action twice.</summary>
public class IdempotencyTests
{
    [Fact]
    public async Task A_retry_with_the_same_key_returns_the_first_result_without_running_or_recording_anything()
    {
        await using var h = new OutcomeHarness();
        var first = await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.False(first.IsReplay);
        var count = (await h.Store.EventsAsync()).Count;

        var again = await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.True(again.IsReplay);
        Assert.Equal(DecisionOutcome.Allowed, again.Outcome);
        Assert.Equal(ReasonCodes.Allowed, again.ReasonCode);
        Assert.Equal(1, h.Runs);
        Assert.Equal(count, (await h.Store.EventsAsync()).Count);
        var allowed = Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.DecisionAllowed);
        Assert.Equal("k-1", allowed.Payload.GetProperty("idempotencyKey").GetString());

        // A replay uses up no limit: the flag allows 3 a minute, so two more calls run.
        for (var i = 2; i <= 3; i++)
        {
            Assert.Equal(ReasonCodes.Allowed, (await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim($"C-{i}"), h.Action)).ReasonCode);
        }
        Assert.Equal(3, h.Runs);
    }

    [Fact]
    public async Task The_key_holds_after_a_restart_and_on_another_gate_over_the_same_log()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");

        await using var other = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        var replay = await other.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.True(replay.IsReplay);
        Assert.Equal(1, h.Runs);

        // The first gate learns of a keyed call made on the other gate before it decides.
        await other.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-2"), h.Action, idempotencyKey: "k-2");
        Assert.True((await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-2"), h.Action, idempotencyKey: "k-2")).IsReplay);
        Assert.Equal(2, h.Runs);
    }

    [Fact]
    public async Task A_key_reused_for_another_payload_or_skill_is_refused_and_recorded()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");

        var otherPayload = await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim("C-2"), h.Action, idempotencyKey: "k-1");
        Assert.Equal(ReasonCodes.IdempotencyKeyReused, otherPayload.ReasonCode);
        Assert.Contains("k-1", otherPayload.Message, StringComparison.Ordinal);
        var otherSkill = await h.Gate.InvokeAsync("bot", Pay, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.Equal(ReasonCodes.IdempotencyKeyReused, otherSkill.ReasonCode);
        Assert.Equal(1, h.Runs);
        Assert.Equal(2, (await h.Store.EventsAsync()).Count(e => e.EventType == AuditEventTypes.DecisionRefused
            && e.Payload.GetProperty("reasonCode").GetString() == ReasonCodes.IdempotencyKeyReused));

        // Keys belong to a principal: another principal's same key is a new call.
        Assert.False((await h.Gate.InvokeAsync("clerk-1", Flag, OutcomeHarness.Claim("C-2"), h.Action, idempotencyKey: "k-1")).IsReplay);
        Assert.Equal(2, h.Runs);
    }

    [Fact]
    public async Task A_keyed_gated_call_returns_the_request_it_opened()
    {
        await using var h = new OutcomeHarness();
        var opened = await h.Gate.InvokeAsync("bot", Deny, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        var again = await h.Gate.InvokeAsync("bot", Deny, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.True(again.IsReplay);
        Assert.Equal(DecisionOutcome.ApprovalRequired, again.Outcome);
        Assert.Equal(opened.Request!.Id, again.Request!.Id);
        Assert.Single(h.Gate.GetOpenRequests());
        Assert.Single(await h.Store.EventsAsync(), e => e.EventType == AuditEventTypes.ApprovalRequested);
    }

    [Fact]
    public async Task A_keyed_retry_of_a_call_whose_outcome_is_not_in_the_log_is_refused_not_run()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InitializeAsync();
        // The process dies while the action runs: decision.allowed is in the log, no outcome.
        h.Store.FailAppend(2, FaultPoint.BeforeDurable);
        await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1"));

        await using var restarted = new ApprovalGate(BuildPolicy(), h.Store, h.Time, sampleSource: () => 0.99);
        var retry = await restarted.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.Equal(ReasonCodes.AlreadyInvoked, retry.ReasonCode);
        Assert.Equal(1, h.Runs);
    }

    [Fact]
    public async Task A_keyed_retry_after_a_decision_that_reached_the_log_but_was_never_acted_on_runs_once()
    {
        await using var h = new OutcomeHarness();
        await h.Gate.InitializeAsync();
        h.Store.FailAppend(1, FaultPoint.AfterDurable);
        await Assert.ThrowsAsync<MakerChecker.Audit.Stores.AuditStoreException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1"));
        Assert.Equal(0, h.Runs);

        var retry = await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1");
        Assert.False(retry.IsReplay);
        Assert.Equal(ReasonCodes.Allowed, retry.ReasonCode);
        Assert.Equal(1, h.Runs);
        Assert.True((await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: "k-1")).IsReplay);
        Assert.Equal(1, h.Runs);
        await h.AssertLogTellsTheTruthAsync();
    }

    [Fact]
    public async Task A_blank_or_oversized_key_is_misuse()
    {
        await using var h = new OutcomeHarness();
        await Assert.ThrowsAsync<ArgumentException>(async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: " "));
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await h.Gate.InvokeAsync("bot", Flag, OutcomeHarness.Claim(), h.Action, idempotencyKey: new string('k', 201)));
        Assert.Equal(0, h.Runs);
    }
}
