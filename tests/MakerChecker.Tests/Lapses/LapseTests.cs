using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Review;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Lapses;

/// <summary>A lapsed request leaves a trace (<c>approval.expired</c>), exactly once, and the report shows ageing and lapses per skill.</summary>
public class LapseTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static ValueTask Run(CancellationToken _) => ValueTask.CompletedTask;

    private static async Task<List<AuditEvent>> Lapses(InMemoryAuditStore store) =>
        await store.ReadAsync().Where(e => e.EventType == AuditEventTypes.ApprovalExpired).ToListAsync();

    [Fact]
    public async Task A_call_on_an_expired_request_records_the_lapse_once_then_refuses_as_before()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryAuditStore(timeProvider: clock);
        await using var gate = new ApprovalGate(BuildPolicy(), store, clock);
        var id = (await gate.InvokeAsync("bot", Deny, Claim(), Run)).Request!.Id;   // expires after 1 h
        await gate.PresentAsync(id, "dr-a");
        clock.Advance(TimeSpan.FromMinutes(61));

        Assert.Equal(ReasonCodes.RequestExpired, (await gate.ApproveAsync(id, "dr-a", "late")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestExpired, (await gate.ApproveAsync(id, "dr-b", "late")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestExpired, (await gate.ExecuteAsync(id, "bot", Claim(), Run)).ReasonCode);
        Assert.Equal(0, await gate.SweepExpiredAsync());

        var lapse = AuditEventReader.Read<ApprovalExpired>(Assert.Single(await Lapses(store)));
        Assert.Equal((id, "bot", Deny, Start.AddHours(1), Start.AddMinutes(61), 0, 2), (lapse.RequestId, lapse.PrincipalId, lapse.Skill, lapse.ExpiresAt,
            lapse.ObservedAt, lapse.Approvals, lapse.RequiredApprovals));
        Assert.Equal(ApprovalStatus.Expired, gate.GetRequest(id)!.Status);
    }

    [Fact]
    public async Task A_sweep_records_each_lapse_once_across_gates_and_leaves_closed_or_live_requests_alone()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryAuditStore(timeProvider: clock);
        await using var a = new ApprovalGate(BuildPolicy(), store, clock);
        await using var b = new ApprovalGate(BuildPolicy(), store, clock);
        var lapsing = (await a.InvokeAsync("bot", Deny, Claim(id: "C-1"), Run)).Request!.Id;
        var rejected = (await a.InvokeAsync("bot", Deny, Claim(id: "C-2"), Run)).Request!.Id;
        await a.PresentAsync(rejected, "dr-a");
        clock.Advance(TimeSpan.FromSeconds(40));
        await a.RejectAsync(rejected, "dr-a", "not documented");
        clock.Advance(TimeSpan.FromMinutes(30));
        var live = (await b.InvokeAsync("bot", Deny, Claim(id: "C-3"), Run)).Request!.Id;
        clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(1, await b.SweepExpiredAsync());
        Assert.Equal(0, await a.SweepExpiredAsync());
        Assert.Equal(0, await b.SweepExpiredAsync());

        Assert.Equal([lapsing], (await Lapses(store)).Select(e => AuditEventReader.Read<ApprovalExpired>(e).RequestId));
        await a.RefreshAsync();
        Assert.Equal(ApprovalStatus.Expired, a.GetRequest(lapsing)!.Status);
        Assert.Equal(ApprovalStatus.Pending, a.GetRequest(live)!.Status);
    }

    /// <summary>
    /// Any interleaving of sweeps, sign-offs and executions on two gates over one log, with any clock moves: every
    /// request has at most one <c>approval.expired</c>; it has one exactly when it was still open past its expiry when
    /// a gate last looked; and none is recorded before the request's expiry or after it closed.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Each_lapse_is_recorded_exactly_once_and_only_for_an_open_request_past_its_expiry() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Choose(0, 59))), steps =>
        {
            var clock = new FakeTimeProvider(Start);
            var store = new InMemoryAuditStore(timeProvider: clock);
            var gates = new[] { new ApprovalGate(BuildPolicy(), store, clock), new ApprovalGate(BuildPolicy(), store, clock) };
            var ids = new List<string>();
            foreach (var step in steps)
            {
                var gate = gates[step % 2];
                var id = ids.Count == 0 ? "none" : ids[step % ids.Count];
                switch (step % 6)
                {
                    case 0: ids.Add(Sync(gate.InvokeAsync("bot", Deny, Claim(id: $"C-{ids.Count}"), Run)).Request!.Id); break;
                    case 1: clock.Advance(TimeSpan.FromMinutes(step)); break;
                    case 2: Sync(gate.SweepExpiredAsync()); break;
                    case 3: Sync(gate.PresentAsync(id, "dr-a")); clock.Advance(TimeSpan.FromSeconds(31)); Sync(gate.ApproveAsync(id, "dr-a", "ok")); break;
                    case 4: Sync(gate.RejectAsync(id, "dr-b", "no")); break;
                    default: Sync(gate.SweepExpiredAsync()); clock.Advance(TimeSpan.FromMinutes(20)); break;
                }
            }
            Sync(gates[0].SweepExpiredAsync());
            Sync(gates[1].SweepExpiredAsync());
            var log = Sync(store.ReadAsync().ToListAsync());
            var lapses = log.Where(e => e.EventType == AuditEventTypes.ApprovalExpired).Select(AuditEventReader.Read<ApprovalExpired>).ToList();
            var requests = log.Where(e => e.EventType == AuditEventTypes.ApprovalRequested).Select(AuditEventReader.Read<ApprovalRequested>).ToList();
            var rejectedAt = log.Where(e => e.EventType == AuditEventTypes.ApprovalDecided).Select(AuditEventReader.Read<ApprovalDecided>)
                .Where(d => d.Verdict == SignOffVerdict.Reject).ToDictionary(d => d.RequestId, d => d.DecidedAt);
            var now = clock.GetUtcNow();
            return lapses.GroupBy(l => l.RequestId).All(g => g.Count() == 1)
                && lapses.All(l => l.ObservedAt >= l.ExpiresAt && !(rejectedAt.TryGetValue(l.RequestId, out var r) && r <= l.ObservedAt))
                && requests.All(r => lapses.Any(l => l.RequestId == r.RequestId) == (r.ExpiresAt <= now && !rejectedAt.ContainsKey(r.RequestId)));
        });

    [Fact]
    public async Task The_report_shows_ageing_and_lapses_per_skill_and_counts_coverage_only_for_gated_or_sampled_skills()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryAuditStore(timeProvider: clock);
        await using (var gate = new ApprovalGate(BuildPolicy(), store, clock, sampleSource: () => 0.99))
        {
            await gate.InvokeAsync("clerk-1", Flag, Claim(), Run);                           // ungated: not reviewable
            await gate.InvokeAsync("bot", Note, Claim(id: "C-5"), Run);                       // sampled grant: reviewable
            var signed = (await gate.InvokeAsync("bot", Deny, Claim(id: "C-2"), Run)).Request!.Id;
            await gate.InvokeAsync("bot", Deny, Claim(id: "C-3"), Run);
            await gate.PresentAsync(signed, "dr-a");
            clock.Advance(TimeSpan.FromMinutes(5));
            await gate.ApproveAsync(signed, "dr-a", "ok");
            clock.Advance(TimeSpan.FromMinutes(56));
            Assert.Equal(2, await gate.SweepExpiredAsync());
            await gate.InvokeAsync("bot", Deny, Claim(id: "C-4"), Run);
            clock.Advance(TimeSpan.FromMinutes(10));
            await gate.InvokeAsync("clerk-1", Flag, Claim(id: "C-9"), Run);                   // the evidence ends here
        }

        var report = RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(store.ReadAsync()));

        var deny = Assert.Single(report.Lapses);
        Assert.Equal((Deny, 3, 2, 1, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)), (deny.Skill, deny.Opened, deny.Expired, deny.StillOpen,
            deny.MedianTimeToSignOff, deny.OldestOpenAge));
        Assert.Equal([Deny, Note], report.Coverage.Select(c => c.Skill));
    }

    private static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
}
