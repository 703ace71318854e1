using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Review;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Lapses;

/// <summary>Appeal outcomes recorded through the gate, each approver's overturn rate, and bursts with the same reason text.</summary>
public class AppealAndBurstTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static ValueTask Run(CancellationToken _) => ValueTask.CompletedTask;

    private static async Task<string> ExecutedDenialAsync(ApprovalGate gate, FakeTimeProvider clock, string claim, string reviewer)
    {
        var id = (await gate.InvokeAsync("dr-c", Deny, Claim(id: claim), Run)).Request!.Id;
        await gate.PresentAsync(id, reviewer);
        clock.Advance(TimeSpan.FromSeconds(45));
        await gate.ApproveAsync(id, reviewer, "chart reviewed");
        Assert.Equal(ReasonCodes.Executed, (await gate.ExecuteAsync(id, "dr-c", Claim(id: claim), Run)).ReasonCode);
        return id;
    }

    [Fact]
    public async Task Appeal_outcomes_are_recorded_once_against_executed_requests_and_give_each_approver_an_overturn_rate()
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryAuditStore(timeProvider: clock);
        await using (var gate = new ApprovalGate(BuildPolicy(), store, clock))
        {
            var a1 = await ExecutedDenialAsync(gate, clock, "C-1", "dr-a");
            var a2 = await ExecutedDenialAsync(gate, clock, "C-2", "dr-a");
            var b1 = await ExecutedDenialAsync(gate, clock, "C-3", "dr-b");
            var open = (await gate.InvokeAsync("dr-c", Deny, Claim(id: "C-4"), Run)).Request!.Id;

            Assert.Equal(ReasonCodes.AppealRecorded, (await gate.RecordAppealAsync(a1, "clerk-1", AppealOutcome.Overturned, "documentation found")).ReasonCode);
            Assert.Equal(ReasonCodes.AppealRecorded, (await gate.RecordAppealAsync(a2, "clerk-1", AppealOutcome.Upheld)).ReasonCode);
            Assert.Equal(ReasonCodes.AppealRecorded, (await gate.RecordAppealAsync(b1, "clerk-1", AppealOutcome.Overturned)).ReasonCode);
            Assert.Equal(ReasonCodes.AppealNotApplicable, (await gate.RecordAppealAsync(a1, "clerk-1", AppealOutcome.Upheld)).ReasonCode);
            Assert.Equal(ReasonCodes.AppealNotApplicable, (await gate.RecordAppealAsync(open, "clerk-1", AppealOutcome.Upheld)).ReasonCode);
            Assert.Equal(ReasonCodes.PrincipalUnknown, (await gate.RecordAppealAsync(a2, "stranger", AppealOutcome.Upheld)).ReasonCode);
            Assert.Equal(ReasonCodes.PrincipalInactive, (await gate.RecordAppealAsync(b1, "dr-gone", AppealOutcome.Upheld)).ReasonCode);
            Assert.Equal(ReasonCodes.RequestNotFound, (await gate.RecordAppealAsync("nope", "clerk-1", AppealOutcome.Upheld)).ReasonCode);
        }

        var events = await store.ReadAsync().Where(e => e.EventType == AuditEventTypes.AppealRecorded).ToListAsync();
        Assert.Equal(3, events.Count);
        var report = RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(store.ReadAsync()));
        Assert.Equal([new ReviewerAppeals("dr-a", 2, 1), new ReviewerAppeals("dr-b", 1, 1)], report.Appeals);
        Assert.Equal(0.5, report.Appeals[0].OverturnRate);
    }

    [Fact]
    public void A_burst_with_the_same_reason_text_is_a_finding_and_one_with_varied_reasons_is_not()
    {
        static ReviewEvidence Burst(Func<int, string> reason)
        {
            var evidence = new ReviewEvidence();
            for (var i = 0; i < 12; i++)
            {
                var at = Start.AddSeconds(i * 4);
                evidence.SignOffs.Add(new SignOffRecord(i + 1, $"r-{i}", "dr-batch", Deny, true, at.AddMinutes(-5), at.AddSeconds(-15), at, reason(i)));
            }
            return evidence;
        }

        var pasted = RubberStampDetector.Analyze(Burst(_ => "Meets criteria."));
        var finding = Assert.Single(pasted.Findings, f => f.Kind == FindingKinds.SameReasonBurst);
        Assert.Contains("\"Meets criteria.\", 12 times", finding.Message, StringComparison.Ordinal);
        Assert.Contains(pasted.Findings, f => f.Kind == FindingKinds.Burst);

        var varied = RubberStampDetector.Analyze(Burst(i => $"claim {i}: exclusion 4.{i} applies"));
        Assert.DoesNotContain(varied.Findings, f => f.Kind == FindingKinds.SameReasonBurst);
    }
}
