using System.Text.Encodings.Web;
using System.Text.Json;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting;

/// <summary>The report as JSON for scripts: the same figures and findings as the tables, with raw numbers.</summary>
public static class ReviewJsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Renders the report as indented camelCase JSON: evidence and verdict, thresholds, reviewers, findings, coverage, break-glass.</summary>
    /// <param name="summary">What the evidence is and whether it verified.</param>
    /// <param name="report">The detector's report over that evidence.</param>
    /// <returns>The JSON text.</returns>
    public static string Render(ReviewEvidenceSummary summary, ReviewReport report)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(Build(summary, report), Options);
    }

    private static object Build(ReviewEvidenceSummary summary, ReviewReport report) => new
    {
        Evidence = new
        {
            summary.Path,
            summary.Kind,
            Verified = summary.Verdict.IsValid,
            summary.Verdict.ReasonCode,
            summary.Verdict.Reason,
            summary.Verdict.FailedSeq,
            summary.Verdict.KeyFingerprint,
            summary.EventCount,
            summary.PolicyHashes,
            summary.From,
            summary.To,
        },
        Thresholds = new
        {
            FastDwellMs = (long)report.Options.FastDwell.TotalMilliseconds,
            report.Options.FastShareWarning,
            report.Options.FastShareHigh,
            report.Options.BurstCount,
            BurstWindowMs = (long)report.Options.BurstWindow.TotalMilliseconds,
            report.Options.CapacityPerHour,
            report.Options.AgreementRate,
            report.Options.MinimumVolume,
            report.Options.ReviewedShareTarget,
        },
        Reviewers = report.Reviewers.Select(r => new
        {
            r.ReviewerId, r.Count, r.Approvals, r.ApprovalRate, r.MedianDwellMs, r.P10DwellMs, r.P90DwellMs, r.MedianQueueMs,
            r.FastCount, r.FastShare, r.InBursts, r.PeakPerHour, r.WithoutPresentation, r.RefusedTooFast,
        }),
        Findings = report.Findings.Select(f => new
        {
            f.ReviewerId, f.Kind, Severity = ReportFormat.Severity(f.Severity), f.Message, f.Thresholds, f.Count,
            Evidence = f.Evidence.Select(e => new { e.Seq, e.RequestId, e.DwellMs, e.DecidedAt }),
        }),
        Coverage = report.Coverage.Select(c => new { c.Skill, c.AutomatedDecisions, c.Reviewed, c.Share, c.Target, c.MeetsTarget }),
        BreakGlassAwaitingReview = report.BreakGlassAwaitingReview.Select(b => new { b.Seq, b.PrincipalId, b.Skill, b.Justification, b.At }),
        Lapses = report.Lapses.Select(a => new
        {
            a.Skill, a.Opened, a.Expired, a.StillOpen, MedianTimeToSignOffMs = (long?)a.MedianTimeToSignOff?.TotalMilliseconds,
            OldestOpenAgeMs = (long?)a.OldestOpenAge?.TotalMilliseconds,
        }),
        Appeals = report.Appeals.Select(a => new { a.ReviewerId, a.Appealed, a.Overturned, a.OverturnRate }),
        PolicyActivations = report.PolicyActivations.Select(a => new
        {
            a.Seq, a.PolicyHash, a.Name, a.Version, a.At, a.ActivatedBy, a.How, a.RequestId, a.Approvers, a.Justification, a.RulesRecorded, a.Weakens,
            Changes = a.Changes.Select(c => new { c.Text, c.Weakens }),
        }),
    };
}
