using System.Diagnostics.Metrics;
using MakerChecker.Review;
using MakerChecker.Testing;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Logging;

namespace MakerChecker.Tests.Review;

/// <summary>
/// The detector on logs written by the real gate (in-memory store, fake clock), both as the offline report reads
/// them and as the gate's own monitor sees the sign-offs happen.
/// </summary>
public sealed class GateReviewTests
{
    private static async Task<ReviewReport> ReportAsync(ReviewScenario scenario) =>
        RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(scenario.Store.ReadAsync()));

    [Fact]
    public async Task A_steady_45_second_reviewer_has_no_finding_and_no_alert()
    {
        var alerts = new List<ReviewFinding>();
        var logs = new ListLoggerFactory();
        await using var scenario = new ReviewScenario(loggerFactory: logs, monitoring: new ReviewMonitorOptions { OnFinding = alerts.Add });

        await scenario.ReviewAsync("dr.steady", 200, i => TimeSpan.FromSeconds(30 + (i * 7 % 31)), TimeSpan.FromSeconds(90), i => i % 3 != 0);

        var report = await ReportAsync(scenario);
        var profile = Assert.Single(report.Reviewers);
        Assert.Equal(200, profile.Count);
        Assert.InRange(profile.MedianDwellMs!.Value, 40_000, 50_000);
        Assert.Empty(report.Findings);
        Assert.Empty(alerts);
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 3013);
    }

    [Fact]
    public async Task A_1_2_second_batch_reviewer_is_flagged_with_the_exact_count()
    {
        await using var scenario = new ReviewScenario();
        await scenario.RunDayAsync(steady: 30, batch: 300);

        var report = await ReportAsync(scenario);
        var batch = report.Reviewers.Single(r => r.ReviewerId == "dr.batch");
        Assert.Equal(300, batch.Count);
        Assert.Equal(1200, batch.MedianDwellMs);
        Assert.Equal(300, batch.FastCount);

        var fast = report.FindingsFor("dr.batch").Single(f => f.Kind == FindingKinds.FastDwell);
        Assert.Equal(FindingSeverity.High, fast.Severity);
        Assert.Equal(300, fast.Count);
        Assert.Equal("10 s", fast.Thresholds["fast_dwell"]);
        Assert.All(fast.Evidence, row => Assert.Equal(1200, row.DwellMs));
        Assert.Equal(300, report.FindingsFor("dr.batch").Single(f => f.Kind == FindingKinds.Burst).Count);
        Assert.Contains(report.FindingsFor("dr.batch"), f => f.Kind == FindingKinds.OverCapacity && f.Severity == FindingSeverity.High);
        Assert.Empty(report.FindingsFor("dr.steady"));

        // 330 denial requests all reached a sign-off. The 20 flags ran under an ungated grant, which no one can review:
        // they are automated decisions, but not "below the review target".
        Assert.Equal(330, report.Coverage.Single(c => c.Skill == ReviewScenario.Deny).Reviewed);
        Assert.DoesNotContain(report.Coverage, c => c.Skill == ReviewScenario.Flag);
        Assert.Equal("patient transfer cannot wait for the queue", Assert.Single(report.BreakGlassAwaitingReview).Justification);
    }

    [Fact]
    public async Task The_monitor_alerts_within_the_batch_once_per_kind_and_crossing()
    {
        var alerts = new List<(ReviewFinding Finding, int SignedSoFar)>();
        var logs = new ListLoggerFactory();
        var signed = 0;
        await using var scenario = new ReviewScenario(loggerFactory: logs, monitoring: new ReviewMonitorOptions { OnFinding = f => alerts.Add((f, signed)) });
        var metrics = new List<(string Reviewer, string Kind, string Severity)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, scenario.Gate.Telemetry.Meter) && instrument.Name == "makerchecker.review.findings") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var t = tags.ToArray().ToDictionary(x => x.Key, x => (string)x.Value!);
            metrics.Add((t["reviewer"], t["kind"], t["severity"]));
        });
        listener.Start();

        await scenario.ReviewAsync("dr.steady", 30, i => TimeSpan.FromSeconds(30 + (i * 7 % 31)), TimeSpan.FromSeconds(90));
        Assert.Empty(alerts);
        await scenario.ReviewAsync("dr.batch", 300, _ => { signed++; return TimeSpan.FromMilliseconds(1200); }, TimeSpan.Zero);

        Assert.All(alerts, a => Assert.Equal("dr.batch", a.Finding.ReviewerId));
        // Fast dwell is judged from the tenth sign-off, when ten 1.2 s sign-offs are also a burst.
        var fast = Assert.Single(alerts, a => a.Finding.Kind == FindingKinds.FastDwell);
        Assert.Equal((FindingSeverity.High, 10), (fast.Finding.Severity, fast.SignedSoFar));
        Assert.Equal(10, Assert.Single(alerts, a => a.Finding.Kind == FindingKinds.Burst).SignedSoFar);
        // Over capacity crosses twice: the warning at 61 in an hour, the high severity at 121.
        Assert.Equal(
            [(FindingSeverity.Warning, 61), (FindingSeverity.High, 121)],
            alerts.Where(a => a.Finding.Kind == FindingKinds.OverCapacity).Select(a => (a.Finding.Severity, a.SignedSoFar)));
        // Uniform dwell and near-total agreement are judged from MinimumVolume (50) sign-offs.
        Assert.Equal(
            [(FindingKinds.HighAgreement, 50), (FindingKinds.UniformDwell, 50)],
            alerts.Where(a => a.Finding.Kind is FindingKinds.HighAgreement or FindingKinds.UniformDwell).Select(a => (a.Finding.Kind, a.SignedSoFar)));
        // The batch's sign-offs all give the same reason text: a pasted justification, judged with the burst.
        Assert.Equal(10, Assert.Single(alerts, a => a.Finding.Kind == FindingKinds.SameReasonBurst).SignedSoFar);
        Assert.Equal(7, alerts.Count);
        Assert.Equal(alerts.Select(a => ("dr.batch", a.Finding.Kind, a.Finding.Severity.ToString().ToLowerInvariant())), metrics);
        Assert.Equal(7, logs.Entries.Count(e => e.EventId == 3013 && e.Level == LogLevel.Warning && e.Message.Contains("dr.batch", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_failing_callback_is_logged_and_the_sign_off_stands()
    {
        var logs = new ListLoggerFactory();
        await using var scenario = new ReviewScenario(loggerFactory: logs, monitoring: new ReviewMonitorOptions { OnFinding = _ => throw new InvalidOperationException("pager down") });
        await scenario.ReviewAsync("dr.batch", 12, _ => TimeSpan.FromMilliseconds(1200), TimeSpan.Zero);
        Assert.Contains(logs.Entries, e => e.EventId == 3014 && e.Level == LogLevel.Error);
        Assert.Equal(12, (await ReportAsync(scenario)).Reviewers.Single().Count);
    }

    [Fact]
    public async Task Monitoring_can_be_turned_off_and_rejects_bad_settings()
    {
        var logs = new ListLoggerFactory();
        await using (var scenario = new ReviewScenario(loggerFactory: logs, monitored: false))
        {
            Assert.Null(scenario.Gate.ReviewMonitoring);
            await scenario.ReviewAsync("dr.batch", 150, _ => TimeSpan.FromMilliseconds(1200), TimeSpan.Zero);
        }
        Assert.DoesNotContain(logs.Entries, e => e.EventId == 3013);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReviewMonitorOptions { Window = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReviewMonitorOptions { MinimumSignOffs = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReviewMonitorOptions { Thresholds = new() { FastShareHigh = 2 } }.Validate());
    }

    [Fact]
    public async Task Refusals_as_too_fast_alert_at_the_third()
    {
        var alerts = new List<ReviewFinding>();
        await using var scenario = new ReviewScenario(monitoring: new ReviewMonitorOptions { OnFinding = alerts.Add });
        var yaml = ReviewScenario.PolicyYaml.Replace("expires_after: 72h", "expires_after: 72h\n          min_review: 30s", StringComparison.Ordinal);
        await scenario.Gate.ActivatePolicyAsync(MakerChecker.Policy.PolicyLoader.Load(yaml).GetPolicyOrThrow());
        for (var i = 0; i < 3; i++)
        {
            var opened = await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new() { ["claim"] = i }, _ => ValueTask.CompletedTask);
            await scenario.Gate.PresentAsync(opened.Request!.Id, "dr.batch");
            scenario.Time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal("review_too_fast", (await scenario.Gate.ApproveAsync(opened.Request.Id, "dr.batch")).ReasonCode);
            Assert.Equal(i == 2 ? 1 : 0, alerts.Count);
        }
        var finding = Assert.Single(alerts);
        Assert.Equal((FindingKinds.RefusedTooFast, 3), (finding.Kind, finding.Count));
    }

    [Fact]
    public async Task An_alert_carries_its_full_evidence_though_crossings_are_judged_without_it()
    {
        var alerts = new List<ReviewFinding>();
        await using var scenario = new ReviewScenario(monitoring: new ReviewMonitorOptions { OnFinding = alerts.Add });

        await scenario.ReviewAsync("dr.batch", 40, _ => TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(3));

        var fast = alerts.First(f => f.Kind == FindingKinds.FastDwell);
        Assert.Equal(fast.Count, fast.Evidence.Count);
        Assert.True(fast.Count >= 10, $"fast-dwell alert on {fast.Count} sign-offs");
        Assert.All(fast.Evidence, row => Assert.Equal(1200, row.DwellMs));
        var report = await ReportAsync(scenario);
        Assert.Equal(report.FindingsFor("dr.batch").Select(f => f.Kind).Order(), alerts.Select(f => f.Kind).Distinct().Order());
    }
}
