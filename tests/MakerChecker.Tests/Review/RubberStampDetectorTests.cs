using MakerChecker.Review;

namespace MakerChecker.Tests.Review;

/// <summary>The detector on synthetic logs with known answers.</summary>
public sealed class RubberStampDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A reviewer working through a queue opened at <see cref="Start"/>: each case is presented, signed after
    /// <paramref name="dwell"/>, and the next is presented <paramref name="gap"/> later.
    /// </summary>
    private static List<SignOffRecord> Reviewer(string id, int count, Func<int, TimeSpan> dwell, TimeSpan gap, bool approve = true, long firstSeq = 1, bool presented = true)
    {
        var records = new List<SignOffRecord>();
        var clock = Start + TimeSpan.FromMinutes(5);
        for (var i = 0; i < count; i++)
        {
            var decidedAt = clock + dwell(i);
            records.Add(new SignOffRecord(firstSeq + i, $"req-{id}-{i}", id, "coverage.deny@1", approve, Start, presented ? clock : null, decidedAt, "reviewed"));
            clock = decidedAt + gap;
        }
        return records;
    }

    private static ReviewEvidence Evidence(params IEnumerable<SignOffRecord>[] reviewers)
    {
        var evidence = new ReviewEvidence();
        foreach (var record in reviewers.SelectMany(r => r)) evidence.SignOffs.Add(record);
        return evidence;
    }

    [Fact]
    public void A_steady_45_second_reviewer_has_no_finding()
    {
        // 200 cases over a working day; dwell varies from 30 s to 60 s as real cases do; about half are rejected.
        var steady = Reviewer("dr.steady", 200, i => TimeSpan.FromSeconds(30 + (i * 7 % 31)), TimeSpan.FromSeconds(90));
        var varied = steady.Select((r, i) => r with { Approved = i % 2 == 0 }).ToList();

        var report = RubberStampDetector.Analyze(Evidence(varied));

        Assert.Empty(report.Findings);
        var profile = Assert.Single(report.Reviewers);
        Assert.Equal(200, profile.Count);
        Assert.InRange(profile.MedianDwellMs!.Value, 40_000, 50_000);
        Assert.Equal(0, profile.FastCount);
        Assert.True(profile.MedianQueueMs > profile.MedianDwellMs);
    }

    [Fact]
    public void A_1_2_second_batch_reviewer_is_flagged_with_the_exact_count()
    {
        var batch = Reviewer("dr.batch", 300, _ => TimeSpan.FromMilliseconds(1200), TimeSpan.Zero, firstSeq: 1000);
        var steady = Reviewer("dr.steady", 60, i => TimeSpan.FromSeconds(30 + i % 30), TimeSpan.FromSeconds(90), firstSeq: 5000)
            .Select((r, i) => r with { Approved = i % 3 != 0 }).ToList();

        var report = RubberStampDetector.Analyze(Evidence(batch, steady));

        Assert.Empty(report.FindingsFor("dr.steady"));
        var findings = report.FindingsFor("dr.batch").ToDictionary(f => f.Kind);
        var fast = findings[FindingKinds.FastDwell];
        Assert.Equal(FindingSeverity.High, fast.Severity);
        Assert.Equal(300, fast.Count);
        Assert.Equal(200, fast.Evidence.Count); // capped rows, exact count
        Assert.Equal(1000, fast.Evidence[0].Seq);
        Assert.Equal(1200, fast.Evidence[0].DwellMs);
        Assert.Equal("10 s", fast.Thresholds["fast_dwell"]);
        Assert.Equal(300, findings[FindingKinds.Burst].Count);
        Assert.Equal(FindingSeverity.High, findings[FindingKinds.Burst].Severity);
        Assert.Equal(FindingKinds.UniformDwell, findings[FindingKinds.UniformDwell].Kind);
        Assert.Equal(300, findings[FindingKinds.HighAgreement].Count);
        // 300 sign-offs at 1.2 s each take six minutes: far beyond any plausible hourly capacity.
        Assert.Equal(300, findings[FindingKinds.OverCapacity].Count);
        Assert.Equal(FindingSeverity.High, findings[FindingKinds.OverCapacity].Severity);
        var profile = report.Reviewers.Single(p => p.ReviewerId == "dr.batch");
        Assert.Equal(1200, profile.MedianDwellMs);
        Assert.Equal(1.0, profile.FastShare);
        Assert.Equal(FindingSeverity.High, report.Findings[0].Severity);
    }

    [Fact]
    public void A_few_outliers_do_not_hide_a_uniform_rhythm()
    {
        // 297 sign-offs at exactly 1.2 s and three whose cases sat open for 4.8 s: a standard-deviation measure
        // (coefficient of variation about 0.29) would miss the rhythm; the p10-p90 spread does not.
        var records = Reviewer("dr.rhythm", 300, i => TimeSpan.FromMilliseconds(i < 3 ? 4800 : 1200), TimeSpan.FromSeconds(20));

        var uniform = RubberStampDetector.Analyze(Evidence(records)).FindingsFor("dr.rhythm").Single(f => f.Kind == FindingKinds.UniformDwell);

        Assert.Equal(300, uniform.Count);
    }

    [Fact]
    public void Queue_time_is_never_counted_as_dwell()
    {
        // Requests waited 3 days in the queue, then were signed 2 s after presentation.
        var records = Enumerable.Range(0, 10).Select(i => new SignOffRecord(i, $"r{i}", "dr.q", "s@1", true,
            Start, Start.AddDays(3), Start.AddDays(3).AddSeconds(2), null)).ToList();

        var report = RubberStampDetector.Analyze(Evidence(records));

        var profile = Assert.Single(report.Reviewers);
        Assert.Equal(2000, profile.MedianDwellMs);
        Assert.Equal((long)TimeSpan.FromDays(3).TotalMilliseconds, profile.MedianQueueMs);
        Assert.Equal(10, report.FindingsFor("dr.q").Single(f => f.Kind == FindingKinds.FastDwell).Count);
    }

    [Fact]
    public void Sign_offs_without_presentation_are_found()
    {
        var records = Reviewer("dr.blind", 5, _ => TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), presented: false);

        var finding = Assert.Single(RubberStampDetector.Analyze(Evidence(records)).Findings);

        Assert.Equal(FindingKinds.MissingPresentation, finding.Kind);
        Assert.Equal(5, finding.Count);
        Assert.All(finding.Evidence, e => Assert.Null(e.DwellMs));
    }

    [Fact]
    public void A_burst_needs_the_same_outcome_within_the_window()
    {
        var options = new ReviewDetectionOptions { BurstCount = 5, BurstWindow = TimeSpan.FromSeconds(60) };
        // Ten sign-offs 11 s apart with alternating outcomes: never 5 of one outcome within 60 s.
        var alternating = Reviewer("dr.alt", 10, _ => TimeSpan.FromSeconds(11), TimeSpan.Zero).Select((r, i) => r with { Approved = i % 2 == 0 }).ToList();
        // Five approvals 11 s apart: 44 s from first to last, one burst of exactly 5.
        var same = Reviewer("dr.same", 5, _ => TimeSpan.FromSeconds(11), TimeSpan.Zero);

        Assert.Empty(RubberStampDetector.Bursts(alternating, options));
        Assert.Equal(5, RubberStampDetector.Bursts(same, options).Count);
        Assert.Empty(RubberStampDetector.Bursts(same.Take(4).ToList(), options));
    }

    [Fact]
    public void Over_capacity_counts_the_busiest_sliding_hour()
    {
        var records = Reviewer("dr.busy", 130, i => TimeSpan.FromSeconds(12 + i % 20), TimeSpan.Zero)
            .Select((r, i) => r with { Approved = i % 2 == 0 }).ToList();

        var report = RubberStampDetector.Analyze(Evidence(records), new ReviewDetectionOptions { CapacityPerHour = 60 });

        var profile = Assert.Single(report.Reviewers);
        var finding = report.FindingsFor("dr.busy").Single(f => f.Kind == FindingKinds.OverCapacity);
        Assert.Equal(profile.PeakPerHour, finding.Count);
        Assert.True(profile.PeakPerHour > 60);
    }

    [Fact]
    public void Review_coverage_per_skill_is_measured_against_the_target()
    {
        var evidence = new ReviewEvidence();
        evidence.AutomatedDecisions["coverage.approve@1"] = 1000;
        evidence.ReviewedDecisions["coverage.approve@1"] = 30;
        evidence.AutomatedDecisions["coverage.deny@1"] = 40;
        evidence.ReviewedDecisions["coverage.deny@1"] = 40;

        var coverage = RubberStampDetector.Analyze(evidence).Coverage.ToDictionary(c => c.Skill);

        Assert.Equal(0.03, coverage["coverage.approve@1"].Share, 6);
        Assert.False(coverage["coverage.approve@1"].MeetsTarget);
        Assert.True(coverage["coverage.deny@1"].MeetsTarget);
    }

    [Fact]
    public void Refused_too_fast_attempts_are_reported_per_reviewer()
    {
        var evidence = new ReviewEvidence();
        for (var i = 0; i < 4; i++) evidence.RefusedSignOffs.Add(new RefusedSignOff(i, $"r{i}", "dr.hasty", "review_too_fast", Start.AddMinutes(i), 1500));
        evidence.RefusedSignOffs.Add(new RefusedSignOff(9, "r9", "dr.other", "not_presented", Start, null));

        var report = RubberStampDetector.Analyze(evidence);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("dr.hasty", FindingKinds.RefusedTooFast, 4), (finding.ReviewerId, finding.Kind, finding.Count));
        Assert.Equal(4, report.Reviewers.Single().RefusedTooFast);
    }

    [Theory]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.5, 5)]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.1, 1)]
    [InlineData(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.9, 9)]
    [InlineData(new long[] { 7 }, 0.9, 7)]
    public void Percentiles_use_the_nearest_rank(long[] values, double p, long expected) =>
        Assert.Equal(expected, RubberStampDetector.Percentile(values, p));

    [Fact]
    public void Out_of_range_thresholds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RubberStampDetector.Analyze(new ReviewEvidence(), new ReviewDetectionOptions { FastShareWarning = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => RubberStampDetector.Analyze(new ReviewEvidence(), new ReviewDetectionOptions { BurstCount = 1 }));
    }
}
