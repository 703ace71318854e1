using System.Globalization;
using System.Text;
using MakerChecker.Review;

namespace ClaimsReview;

/// <summary>
/// Writes the demo's plain-text review summary (Markdown) from the detector's report. The evidence itself is read
/// by the shared <c>ReviewEvidenceSource</c>, as the CLI's <c>makerchecker review report</c> reads it.
/// </summary>
internal static class ReviewSummary
{
    public static string Markdown(ReviewReport report, string bundle)
    {
        var md = new StringBuilder();
        md.AppendLine("# Review summary").AppendLine()
          .AppendLine(CultureInfo.InvariantCulture, $"Evidence: `{bundle}`. Sign-off timings are taken from the signed audit events.").AppendLine()
          .AppendLine("| reviewer | sign-offs | median dwell (s) | p10 (s) | p90 (s) | under threshold | approval rate | findings |")
          .AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in report.Reviewers)
        {
            var kinds = string.Join(", ", report.FindingsFor(r.ReviewerId).Select(f => $"{f.Kind} ({f.Severity.ToString().ToLowerInvariant()})"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.ReviewerId} | {r.Count} | {Seconds(r.MedianDwellMs)} | {Seconds(r.P10DwellMs)} | {Seconds(r.P90DwellMs)} | {r.FastCount} | {r.ApprovalRate * 100:0}% | {(kinds.Length == 0 ? "none" : kinds)} |");
        }
        md.AppendLine().AppendLine("## Findings").AppendLine();
        foreach (var f in report.Findings)
        {
            var thresholds = string.Join(", ", f.Thresholds.Select(t => $"{t.Key} = {t.Value}"));
            var first = string.Join(", ", f.Evidence.Take(5).Select(x => $"seq {x.Seq}"));
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{f.ReviewerId}**, {f.Kind} ({f.Severity.ToString().ToLowerInvariant()}): {f.Message} Thresholds: {thresholds}. {f.Count} sign-off(s); first evidence rows: {first}.");
        }
        if (report.Findings.Count == 0) md.AppendLine("None.");
        md.AppendLine().AppendLine("## Review coverage per skill").AppendLine();
        foreach (var c in report.Coverage)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {c.Skill}: {c.Reviewed} of {c.AutomatedDecisions} automated decisions reviewed by a human ({c.Share * 100:0.#}%, target {c.Target * 100:0.#}%: {(c.MeetsTarget ? "met" : "not met")}).");
        }
        md.AppendLine().AppendLine("A gate can require a named reviewer and record how long they had each case; it cannot make them read it. " +
            "These figures make the pattern provable from the signed log.");
        return md.ToString();
    }

    private static string Seconds(long? ms) => ms is { } v ? (v / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
