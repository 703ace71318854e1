using System.Text.Json;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>The audit log is the system of record: a new gate over the same log carries on where the old one stopped.</summary>
public class RestartTests
{
    [Fact]
    public async Task Pending_requests_sign_offs_and_limit_counts_survive_a_restart()
    {
        var store = new FaultyAuditStore();
        string pendingId, approvedId;
        await using (var before = new ClaimsFixture(store: store))
        {
            pendingId = (await before.OpenDenialAsync()).Id;
            approvedId = (await before.OpenDenialAsync(payload: Claim(id: "C-2"))).Id;
            await before.PresentAndApproveAsync(pendingId, "dr-a");
            await before.Gate.PresentAsync(pendingId, "dr-b");
            await before.PresentAndApproveAsync(approvedId, "dr-a");
            await before.PresentAndApproveAsync(approvedId, "dr-c");
            for (var i = 0; i < 3; i++) await before.Gate.InvokeAsync("bot", Flag, Claim(), before.Action);
            await before.Gate.RegisterPrincipalAsync(new PrincipalDefinition("dr-c", PrincipalKind.Human, "medical-reviewer", PrincipalStatus.Suspended));
            await before.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "urgent", before.Action);
            store = before.Store;
        }

        // Same log, same clock position: the restarted gate is constructed fresh.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 2, 30, TimeSpan.Zero));
        await using var after = new ClaimsFixture(store: store, time: time);
        await after.Gate.InitializeAsync();

        var pending = after.Gate.GetRequest(pendingId)!;
        Assert.Equal(ApprovalStatus.Pending, pending.Status);
        Assert.Equal("dr-a", Assert.Single(pending.SignOffs).ReviewerId);
        Assert.Equal("PXDX-42", pending.Basis!.RuleId);
        Assert.Equal(ApprovalStatus.Approved, after.Gate.GetRequest(approvedId)!.Status);
        Assert.Single(after.Gate.GetBreakGlassForReview());
        // No second policy.activated for the same policy.
        Assert.Single(store.OfType(AuditEventTypes.PolicyActivated));

        // dr-b was presented before the restart, so may sign now; the limit count carried over.
        var second = await after.Gate.ApproveAsync(pendingId, "dr-b");
        Assert.Equal(ReasonCodes.SignedOff, second.ReasonCode);
        Assert.Equal(ReasonCodes.LimitExceeded, (await after.Gate.InvokeAsync("bot", Flag, Claim(), after.Action)).ReasonCode);
        // dr-c's suspension was replayed, so its approval no longer counts.
        Assert.Equal(ReasonCodes.NotApproved, (await after.Gate.ExecuteAsync(approvedId, "bot", Claim(id: "C-2"), after.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.Executed, (await after.Gate.ExecuteAsync(pendingId, "bot", Claim(), after.Action)).ReasonCode);
    }

    [Fact]
    public async Task An_execution_started_before_a_crash_never_runs_again()
    {
        var store = new FaultyAuditStore();
        string id;
        await using (var before = new ClaimsFixture(store: store))
        {
            id = (await before.OpenDenialAsync()).Id;
            await before.PresentAndApproveAsync(id, "dr-a");
            await before.PresentAndApproveAsync(id, "dr-b");
            // The process dies while the action runs: action.started is in the log, its outcome is not.
            before.Store.FailWhen = e => e.EventType is AuditEventTypes.ActionExecuted or AuditEventTypes.ActionFailed;
            // The action ran, so the caller is told exactly that (not "nothing was done").
            await Assert.ThrowsAsync<ActionOutcomeNotRecordedException>(async () => await before.Gate.ExecuteAsync(id, "bot", Claim(), before.Action));
            Assert.Equal(1, before.Runs);
            before.Store.FailWhen = null;
        }
        await using var after = new ClaimsFixture(store: store);
        var again = await after.Gate.ExecuteAsync(id, "bot", Claim(), after.Action);
        Assert.Equal(ReasonCodes.AlreadyExecuted, again.ReasonCode);
        Assert.Equal(ApprovalStatus.Executing, after.Gate.GetRequest(id)!.Status);
        Assert.Equal(0, after.Runs);
    }

    [Fact]
    public async Task A_new_policy_is_recorded_when_it_takes_effect()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        var next = BuildPolicy(hash: new string('b', 64));
        await f.Gate.ActivatePolicyAsync(next);
        var activated = f.Store.Payloads<PolicyActivated>().Select(p => p.PolicyHash).ToArray();
        Assert.Equal([f.Policy.Hash, next.Hash], activated);
        var result = await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action);
        Assert.Equal(next.Hash, result.PolicyHash);
        Assert.Equal(next.Hash, f.Store.Payloads<DecisionAllowed>().Single().PolicyHash);
    }

    [Fact]
    public async Task Every_event_the_gate_writes_carries_the_policy_hash()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.Gate.ApproveAsync(request.Id, "dr-a");
        await f.Gate.InvokeAsync("clerk-1", Deny, Claim(), f.Action);
        Assert.All(f.Store.Events, e =>
        {
            Assert.True(AuditEventReader.TryRead(e, out var payload), e.EventType);
            Assert.Equal(f.Policy.Hash, payload.PolicyHash);
        });
        Assert.All(f.Store.Payloads<DecisionAllowed>(), d => Assert.NotNull(d.Rule));
        var refused = Assert.Single(f.Store.Payloads<DecisionRefused>());
        Assert.Equal(ReasonCodes.SkillNotGranted, refused.ReasonCode);
        Assert.NotNull(refused.Rule);
    }
}
