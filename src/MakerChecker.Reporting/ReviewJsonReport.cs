using MakerChecker.Review.Reporting;
using MakerChecker.Review;

namespace MakerChecker.Cli.Reports;

/// <summary>The report as JSON for scripts: the same figures and findings as the tables, with raw numbers.</summary>
internal static class JsonReport
{
    public static object Build(ReviewEvidenceSummary summary, ReviewReport report) => new
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
    };
}
