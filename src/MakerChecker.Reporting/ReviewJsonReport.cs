using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting;

/// <summary>The report as JSON for scripts: the same figures and findings as the tables, with raw numbers.</summary>
public static class ReviewJsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = ReviewJsonContext.Default,
    };

    /// <summary>Renders the report as indented camelCase JSON: evidence and verdict, thresholds, reviewers, findings, coverage, break-glass.</summary>
    /// <param name="summary">What the evidence is and whether it verified.</param>
    /// <param name="report">The detector's report over that evidence.</param>
    /// <returns>The JSON text.</returns>
    public static string Render(ReviewEvidenceSummary summary, ReviewReport report)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(Build(summary, report), (JsonTypeInfo<ReportDocument>)Options.GetTypeInfo(typeof(ReportDocument)));
    }

    private static ReportDocument Build(ReviewEvidenceSummary summary, ReviewReport report)
    {
        var o = report.Options;
        return new ReportDocument(
            new EvidenceRow(summary.Path, summary.Kind, summary.Verdict.IsValid, summary.Verdict.ReasonCode, summary.Verdict.Reason,
                summary.Verdict.FailedSeq, summary.Verdict.KeyFingerprint, summary.EventCount, summary.PolicyHashes, summary.From, summary.To),
            new ThresholdsRow((long)o.FastDwell.TotalMilliseconds, o.FastShareWarning, o.FastShareHigh, o.BurstCount, (long)o.BurstWindow.TotalMilliseconds,
                o.CapacityPerHour, o.AgreementRate, o.MinimumVolume, o.ReviewedShareTarget),
            report.Reviewers.Select(r => new ReviewerRow(r.ReviewerId, r.Count, r.Approvals, r.ApprovalRate, r.MedianDwellMs, r.P10DwellMs, r.P90DwellMs,
                r.MedianQueueMs, r.FastCount, r.FastShare, r.InBursts, r.PeakPerHour, r.WithoutPresentation, r.RefusedTooFast)),
            report.Findings.Select(f => new FindingRow(f.ReviewerId, f.Kind, ReportFormat.Severity(f.Severity), f.Message, f.Thresholds, f.Count,
                f.Evidence.Select(e => new EvidenceRowOfFinding(e.Seq, e.RequestId, e.DwellMs, e.DecidedAt)))),
            report.Coverage.Select(c => new CoverageRow(c.Skill, c.AutomatedDecisions, c.Reviewed, c.Share, c.Target, c.MeetsTarget)),
            report.BreakGlassAwaitingReview.Select(b => new BreakGlassRow(b.Seq, b.PrincipalId, b.Skill, b.Justification, b.At)),
            report.Lapses.Select(a => new LapseRow(a.Skill, a.Opened, a.Expired, a.StillOpen, (long?)a.MedianTimeToSignOff?.TotalMilliseconds,
                (long?)a.OldestOpenAge?.TotalMilliseconds)),
            report.Appeals.Select(a => new AppealRow(a.ReviewerId, a.Appealed, a.Overturned, a.OverturnRate)),
            report.PolicyActivations.Select(a => new ActivationRow(a.Seq, a.PolicyHash, a.Name, a.Version, a.At, a.ActivatedBy, a.How, a.RequestId,
                a.Approvers, a.Justification, a.RulesRecorded, a.Weakens, a.Changes.Select(c => new ChangeRow(c.Text, c.Weakens)))));
    }

    // The document, as named records in the order the JSON shows their members: written through source-generated
    // metadata (ReviewJsonContext), without reflection, so that the command-line tool can be compiled ahead of time.
    internal sealed record ReportDocument(
        EvidenceRow Evidence, ThresholdsRow Thresholds, IEnumerable<ReviewerRow> Reviewers, IEnumerable<FindingRow> Findings,
        IEnumerable<CoverageRow> Coverage, IEnumerable<BreakGlassRow> BreakGlassAwaitingReview, IEnumerable<LapseRow> Lapses,
        IEnumerable<AppealRow> Appeals, IEnumerable<ActivationRow> PolicyActivations);

    internal sealed record EvidenceRow(
        string Path, string Kind, bool Verified, string? ReasonCode, string? Reason, long? FailedSeq, string? KeyFingerprint, long EventCount,
        IReadOnlyList<string> PolicyHashes, string? From, string? To);

    internal sealed record ThresholdsRow(
        long FastDwellMs, double FastShareWarning, double FastShareHigh, int BurstCount, long BurstWindowMs, int CapacityPerHour,
        double AgreementRate, int MinimumVolume, double ReviewedShareTarget);

    internal sealed record ReviewerRow(
        string ReviewerId, int Count, int Approvals, double ApprovalRate, long? MedianDwellMs, long? P10DwellMs, long? P90DwellMs,
        long? MedianQueueMs, int FastCount, double FastShare, int InBursts, int PeakPerHour, int WithoutPresentation, int RefusedTooFast);

    internal sealed record FindingRow(
        string ReviewerId, string Kind, string Severity, string Message, IReadOnlyDictionary<string, string> Thresholds, int Count,
        IEnumerable<EvidenceRowOfFinding> Evidence);

    internal sealed record EvidenceRowOfFinding(long Seq, string RequestId, long? DwellMs, DateTimeOffset DecidedAt);

    internal sealed record CoverageRow(string Skill, int AutomatedDecisions, int Reviewed, double Share, double Target, bool MeetsTarget);

    internal sealed record BreakGlassRow(long Seq, string PrincipalId, string Skill, string Justification, DateTimeOffset At);

    internal sealed record LapseRow(string Skill, int Opened, int Expired, int StillOpen, long? MedianTimeToSignOffMs, long? OldestOpenAgeMs);

    internal sealed record AppealRow(string ReviewerId, int Appealed, int Overturned, double OverturnRate);

    internal sealed record ActivationRow(
        long Seq, string PolicyHash, string Name, string? Version, DateTimeOffset At, string? ActivatedBy, string How, string? RequestId,
        IReadOnlyList<string> Approvers, string? Justification, bool RulesRecorded, bool Weakens, IEnumerable<ChangeRow> Changes);

    internal sealed record ChangeRow(string Text, bool Weakens);
}

[JsonSerializable(typeof(ReviewJsonReport.ReportDocument))]
internal sealed partial class ReviewJsonContext : JsonSerializerContext;
