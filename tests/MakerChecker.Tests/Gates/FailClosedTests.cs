using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>If the audit log cannot record a decision, nothing happens and the caller gets an error.</summary>
public class FailClosedTests
{
    [Fact]
    public async Task An_allowed_action_does_not_run_when_its_decision_cannot_be_recorded()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.FailWhen = e => e.EventType == AuditEventTypes.DecisionAllowed;

        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action));
        Assert.Equal(0, f.Runs);
    }

    [Fact]
    public async Task A_failed_record_does_not_use_up_a_limit()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.FailWhen = _ => true;
        for (var i = 0; i < 5; i++) await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action));
        f.Store.FailWhen = null;
        for (var i = 0; i < 3; i++) Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.LimitExceeded, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
    }

    [Fact]
    public async Task A_decision_beaten_to_the_head_a_few_times_catches_up_and_is_recorded_once()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.InterleaveNext = 5;
        Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
        Assert.Equal(1, f.Runs);
        Assert.Equal(5, f.Store.OfType("test.interleaved").Count());
        Assert.Single(f.Store.OfType(AuditEventTypes.DecisionAllowed));
        // The retries took back the slots they counted: the limit of 3 still allows exactly two more.
        for (var i = 0; i < 2; i++) Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.LimitExceeded, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
    }

    [Fact]
    public async Task A_decision_that_never_finds_a_still_head_fails_closed_after_a_bounded_number_of_tries()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.InterleaveNext = int.MaxValue;
        var refused = await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action));
        Assert.Contains("moved under this decision", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, f.Runs);
        Assert.Equal(ApprovalGate.MaxDecisionAttempts, f.Store.OfType("test.interleaved").Count());
        Assert.Empty(f.Store.OfType(AuditEventTypes.DecisionAllowed));

        f.Store.InterleaveNext = 0;
        for (var i = 0; i < 3; i++) Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.LimitExceeded, (await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).ReasonCode);
    }

    [Fact]
    public async Task No_request_is_opened_when_it_cannot_be_recorded()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.FailWhen = e => e.EventType == AuditEventTypes.ApprovalRequested;
        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.InvokeAsync("bot", Deny, Claim(), f.Action));
        Assert.Empty(f.Gate.GetOpenRequests());
    }

    [Fact]
    public async Task A_sign_off_that_cannot_be_recorded_does_not_count()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.Gate.PresentAsync(request.Id, "dr-a");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        f.Store.FailWhen = e => e.EventType == AuditEventTypes.ApprovalDecided;
        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.ApproveAsync(request.Id, "dr-a"));
        Assert.Empty(f.Gate.GetRequest(request.Id)!.SignOffs);
    }

    [Fact]
    public async Task An_approved_action_does_not_run_when_its_start_cannot_be_recorded_and_can_run_later()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        f.Store.FailWhen = e => e.EventType == AuditEventTypes.ActionStarted;

        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action));
        Assert.Equal(0, f.Runs);
        Assert.Equal(ApprovalStatus.Approved, f.Gate.GetRequest(request.Id)!.Status);

        f.Store.FailWhen = null;
        Assert.Equal(ReasonCodes.Executed, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        Assert.Equal(1, f.Runs);
    }

    [Fact]
    public async Task Break_glass_does_not_run_when_it_cannot_be_recorded()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        f.Store.FailWhen = e => e.EventType == AuditEventTypes.BreakGlassInvoked;
        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "urgent", f.Action));
        Assert.Equal(0, f.Runs);
        Assert.Empty(f.Gate.GetBreakGlassForReview());
    }

    [Fact]
    public async Task A_gate_whose_log_cannot_be_written_at_start_does_nothing()
    {
        var store = new FaultyAuditStore { FailWhen = _ => true };
        await using var f = new ClaimsFixture(store: store);
        await Assert.ThrowsAsync<AuditStoreException>(async () => await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action));
        Assert.Equal(0, f.Runs);
        Assert.Empty(store.Events);
    }
}
