using System.Globalization;

namespace MakerChecker.Review;

/// <summary>
/// Finds rubber-stamping: sign-offs too fast, too uniform, too bursty or too numerous to be reviews, sign-offs with no
/// presentation on record, and near-total agreement at volume. It cannot prove that a reviewer did not read a case;
/// it makes the pattern visible, attributable and backed by the audit rows behind it.
/// </summary>
public static class RubberStampDetector
{
    /// <summary>Analyses the evidence with the given thresholds (defaults when <see langword="null"/>).</summary>
    /// <param name="evidence">Sign-offs, refused sign-offs, automated decisions and break-glass uses.</param>
    /// <param name="options">The thresholds.</param>
    public static ReviewReport Analyze(ReviewEvidence evidence, ReviewDetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        options ??= new ReviewDetectionOptions();
        options.Validate();

        var refusedTooFast = evidence.RefusedSignOffs
            .Where(r => r.ReasonCode == "review_too_fast")
            .GroupBy(r => r.ReviewerId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.At).ToList(), StringComparer.Ordinal);

        var profiles = new List<ReviewerProfile>();
        var findings = new List<ReviewFinding>();
        var reviewerIds = evidence.SignOffs.Select(s => s.ReviewerId).Concat(refusedTooFast.Keys)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        foreach (var reviewerId in reviewerIds)
        {
            var signOffs = evidence.SignOffs.Where(s => s.ReviewerId == reviewerId).OrderBy(s => s.DecidedAt).ThenBy(s => s.Seq).ToList();
            var refused = refusedTooFast.GetValueOrDefault(reviewerId) ?? [];
            var (profile, reviewerFindings) = AnalyzeReviewer(reviewerId, signOffs, refused, options);
            profiles.Add(profile);
            findings.AddRange(reviewerFindings);
        }

        // Only skills whose grants can be gated or sampled can be reviewed: an ungated low-risk skill is not "below target".
        var coverage = evidence.AutomatedDecisions
            .Where(kv => evidence.ReviewableSkills.Count == 0 || evidence.ReviewableSkills.Contains(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new SkillReviewCoverage(kv.Key, kv.Value, evidence.ReviewedDecisions.TryGetValue(kv.Key, out var reviewed) ? reviewed : 0,
                options.ReviewedShareTarget))
            .ToList();
        var ordered = findings.OrderByDescending(f => f.Severity)
            .ThenBy(f => f.ReviewerId, StringComparer.Ordinal)
            .ThenBy(f => f.Kind, StringComparer.Ordinal)
            .ToList();
        return new ReviewReport(profiles, ordered, coverage, evidence.BreakGlassUses.OrderBy(b => b.Seq).ToList(), options,
            [.. evidence.PolicyActivations])
        {
            Lapses = RequestAgeing.PerSkill(evidence),
            Appeals = RequestAgeing.OverturnRates(evidence),
        };
    }

    private static (ReviewerProfile, List<ReviewFinding>) AnalyzeReviewer(string reviewerId, List<SignOffRecord> signOffs, List<RefusedSignOff> refused,
        ReviewDetectionOptions options)
    {
        var findings = new List<ReviewFinding>();
        var presented = signOffs.Where(s => s.Dwell is not null).ToList();
        var dwells = presented.Select(s => (long)s.Dwell!.Value.TotalMilliseconds).Order().ToList();
        var queues = presented.Select(s => (long)s.Queue!.Value.TotalMilliseconds).Order().ToList();
        var fastMs = (long)options.FastDwell.TotalMilliseconds;
        var fast = presented.Where(s => s.Dwell!.Value < options.FastDwell).ToList();
        var fastShare = presented.Count == 0 ? 0 : (double)fast.Count / presented.Count;
        var withoutPresentation = signOffs.Where(s => s.PresentedAt is null).ToList();
        var inBursts = Bursts(signOffs, options);
        var peak = PeakInWindow(signOffs, TimeSpan.FromHours(1), out var peakRows);

        if (fastShare >= options.FastShareWarning && fast.Count > 0)
        {
            findings.Add(Finding(reviewerId, FindingKinds.FastDwell, fastShare >= options.FastShareHigh ? FindingSeverity.High : FindingSeverity.Warning,
                $"{fast.Count} of {presented.Count} sign-offs ({Percent(fastShare)}) came less than {Seconds(options.FastDwell)} after the case was presented; "
                    + $"median dwell {Ms(Percentile(dwells, 0.5))}.",
                [
                    ("fast_dwell", Seconds(options.FastDwell)),
                    ("fast_share_warning", Percent(options.FastShareWarning)),
                    ("fast_share_high", Percent(options.FastShareHigh)),
                ],
                fast, options));
        }
        if (inBursts.Count > 0)
        {
            var burstDwells = inBursts.Where(s => s.Dwell is not null).Select(s => (long)s.Dwell!.Value.TotalMilliseconds).Order().ToList();
            var burstMedian = Percentile(burstDwells, 0.5);
            findings.Add(Finding(reviewerId, FindingKinds.Burst, burstMedian is { } m && m < fastMs ? FindingSeverity.High : FindingSeverity.Warning,
                $"{inBursts.Count} sign-offs were made in bursts of {options.BurstCount} or more with the same outcome within {Seconds(options.BurstWindow)}.",
                [("burst_count", options.BurstCount.ToString(CultureInfo.InvariantCulture)), ("burst_window", Seconds(options.BurstWindow))],
                inBursts, options));
        }
        var sameReason = inBursts.Where(s => !string.IsNullOrWhiteSpace(s.Reason))
            .GroupBy(s => s.Reason!.Trim(), StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() >= options.BurstCount)
            .OrderByDescending(g => g.Count())
            .ToList();
        if (sameReason.Count > 0)
        {
            var rows = sameReason.SelectMany(g => g).OrderBy(s => s.DecidedAt).ToList();
            findings.Add(Finding(reviewerId, FindingKinds.SameReasonBurst, FindingSeverity.Warning,
                $"{rows.Count} sign-offs made in bursts give the same reason text (most often \"{sameReason[0].Key}\", {sameReason[0].Count()} times).",
                [("burst_count", options.BurstCount.ToString(CultureInfo.InvariantCulture)), ("burst_window", Seconds(options.BurstWindow))],
                rows, options));
        }
        if (withoutPresentation.Count > 0)
        {
            findings.Add(Finding(reviewerId, FindingKinds.MissingPresentation, FindingSeverity.Warning,
                $"{withoutPresentation.Count} of {signOffs.Count} sign-offs have no presentation on record, so nothing shows the case was ever opened.",
                [("presentation_required", "every sign-off")], withoutPresentation, options));
        }
        if (dwells.Count >= options.MinimumVolume)
        {
            // Spread as (p90 − p10) ÷ median: robust, so a handful of outliers cannot hide a metronomic rhythm
            // (a reviewer clicking every 1.2 s whose first few cases sat open longer is still uniform).
            var median = Percentile(dwells, 0.5)!.Value;
            var spread = median > 0 ? (double)(Percentile(dwells, 0.9)!.Value - Percentile(dwells, 0.1)!.Value) / median : 0;
            if (spread < options.UniformDwellVariation)
            {
                findings.Add(Finding(reviewerId, FindingKinds.UniformDwell, FindingSeverity.Warning,
                    $"Dwell barely varies across {dwells.Count} cases (p10 to p90 spread {spread.ToString("0.000", CultureInfo.InvariantCulture)} "
                        + $"of the median {Ms(median)}); real cases differ, and so do real reviews.",
                    [
                        ("uniform_dwell_variation", options.UniformDwellVariation.ToString("0.###", CultureInfo.InvariantCulture)),
                        ("minimum_volume", options.MinimumVolume.ToString(CultureInfo.InvariantCulture)),
                    ],
                    presented, options));
            }
        }
        var approvals = signOffs.Count(s => s.Approved);
        if (signOffs.Count >= options.MinimumVolume && (double)approvals / signOffs.Count >= options.AgreementRate)
        {
            findings.Add(Finding(reviewerId, FindingKinds.HighAgreement, FindingSeverity.Warning,
                $"Agreed with the proposer on {approvals} of {signOffs.Count} sign-offs ({Percent((double)approvals / signOffs.Count)}).",
                [("agreement_rate", Percent(options.AgreementRate)), ("minimum_volume", options.MinimumVolume.ToString(CultureInfo.InvariantCulture))],
                signOffs.Where(s => s.Approved).ToList(), options));
        }
        if (peak > options.CapacityPerHour)
        {
            findings.Add(Finding(reviewerId, FindingKinds.OverCapacity, peak > 2 * options.CapacityPerHour ? FindingSeverity.High : FindingSeverity.Warning,
                $"{peak} sign-offs within one hour, above a plausible capacity of {options.CapacityPerHour} per hour.",
                [("capacity_per_hour", options.CapacityPerHour.ToString(CultureInfo.InvariantCulture))], peakRows, options));
        }
        if (refused.Count > 0)
        {
            var evidence = refused.Take(options.MaxEvidenceRows).Select(r => new FindingEvidence(r.Seq, r.RequestId, r.DwellMs, r.At)).ToList();
            findings.Add(new ReviewFinding(reviewerId, FindingKinds.RefusedTooFast, refused.Count >= 3 ? FindingSeverity.Warning : FindingSeverity.Info,
                $"The gate refused {refused.Count} sign-off attempt(s) as faster than the policy's min_review.",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["min_review"] = "policy" }, refused.Count, evidence));
        }

        var profile = new ReviewerProfile(reviewerId, signOffs)
        {
            Approvals = approvals,
            MedianDwellMs = Percentile(dwells, 0.5),
            P10DwellMs = Percentile(dwells, 0.1),
            P90DwellMs = Percentile(dwells, 0.9),
            MedianQueueMs = Percentile(queues, 0.5),
            FastShare = fastShare,
            FastCount = fast.Count,
            WithoutPresentation = withoutPresentation.Count,
            PeakPerHour = peak,
            InBursts = inBursts.Count,
            RefusedTooFast = refused.Count,
        };
        return (profile, findings);
    }

    /// <summary>
    /// The sign-offs that belong to a burst: some window of <see cref="ReviewDetectionOptions.BurstWindow"/> holding
    /// at least <see cref="ReviewDetectionOptions.BurstCount"/> sign-offs with the same outcome.
    /// </summary>
    internal static List<SignOffRecord> Bursts(IReadOnlyList<SignOffRecord> signOffs, ReviewDetectionOptions options)
    {
        var inBurst = new HashSet<SignOffRecord>(ReferenceEqualityComparer.Instance);
        foreach (var outcome in signOffs.GroupBy(s => s.Approved))
        {
            var sorted = outcome.OrderBy(s => s.DecidedAt).ToList();
            var left = 0;
            for (var right = 0; right < sorted.Count; right++)
            {
                while (sorted[right].DecidedAt - sorted[left].DecidedAt > options.BurstWindow) left++;
                if (right - left + 1 < options.BurstCount) continue;
                for (var i = left; i <= right; i++) inBurst.Add(sorted[i]);
            }
        }
        return signOffs.Where(inBurst.Contains).ToList();
    }

    /// <summary>The most sign-offs within any window of <paramref name="window"/>, and those sign-offs.</summary>
    internal static int PeakInWindow(IReadOnlyList<SignOffRecord> sorted, TimeSpan window, out List<SignOffRecord> rows)
    {
        var best = 0;
        var bestLeft = 0;
        var left = 0;
        for (var right = 0; right < sorted.Count; right++)
        {
            while (sorted[right].DecidedAt - sorted[left].DecidedAt >= window) left++;
            if (right - left + 1 > best)
            {
                best = right - left + 1;
                bestLeft = left;
            }
        }
        rows = sorted.Skip(bestLeft).Take(best).ToList();
        return best;
    }

    /// <summary>Nearest-rank percentile of sorted values; <see langword="null"/> for none.</summary>
    internal static long? Percentile(IReadOnlyList<long> sorted, double p)
    {
        if (sorted.Count == 0) return null;
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static ReviewFinding Finding(string reviewerId, string kind, FindingSeverity severity, string message, (string Name, string Value)[] thresholds,
        List<SignOffRecord> rows, ReviewDetectionOptions options) =>
        new(reviewerId, kind, severity, message,
            thresholds.ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal),
            rows.Count,
            rows.Take(options.MaxEvidenceRows)
                .Select(s => new FindingEvidence(s.Seq, s.RequestId, s.Dwell is { } d ? (long)d.TotalMilliseconds : null, s.DecidedAt))
                .ToList());

    private static string Percent(double share) => share.ToString("0.#%", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Ms(long? ms) => ms is { } v ? (v / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s" : "n/a";
}
