using System.Globalization;
using System.Net;
using System.Text;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting;

/// <summary>
/// The report as one self-contained HTML page for a compliance officer: inline CSS and inline SVG only, nothing
/// fetched from anywhere, and every value from the evidence HTML-encoded (reviewer ids, reasons and justifications
/// are text an attacker may have written).
/// </summary>
public static partial class ReviewHtmlReport
{
    private const string HonestLimits = "A gate can require a named human and record exactly how long they had the case. It cannot make them read it. "
        + "This report cannot prove that a reviewer did not read a case, or that a slow reviewer did: it shows patterns that are hard to square with "
        + "review, backed by signed, attributable evidence. Thresholds are judgement; tune them to the case mix, and treat findings as the start of a "
        + "conversation, not a verdict. A min_review floor refuses sign-offs faster than it, but does not make the time spent meaningful.";

    /// <summary>Renders the report as one self-contained HTML page.</summary>
    /// <param name="summary">What the evidence is and whether it verified.</param>
    /// <param name="report">The detector's report over that evidence.</param>
    /// <returns>The HTML text (UTF-8 when written with <see cref="File.WriteAllText(string, string?)"/>).</returns>
    public static string Render(ReviewEvidenceSummary summary, ReviewReport report)
    {
        var h = new StringBuilder(64 * 1024);
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>Review report: ").Append(E(Path.GetFileName(summary.Path))).Append("</title>\n<style>").Append(ReviewHtmlStyle.Css)
            .Append("</style>\n</head>\n<body>\n<main>\n");
        Header(h, summary, report);
        Summary(h, report);
        Overview(h, report);
        // One time axis for every reviewer, at least an hour long, so that their timelines compare and a batch stands out.
        var decided = report.Reviewers.SelectMany(r => r.SignOffs).Select(s => s.DecidedAt).ToList();
        var axis = decided.Count == 0
            ? default
            : (From: decided.Min(), To: decided.Max() > decided.Min() + TimeSpan.FromHours(1) ? decided.Max() : decided.Min() + TimeSpan.FromHours(1));
        for (var i = 0; i < report.Reviewers.Count; i++) Reviewer(h, report, report.Reviewers[i], i, axis);
        Coverage(h, report);
        Ageing(h, report);
        Appeals(h, report);
        PolicyActivations(h, report);
        BreakGlass(h, report);
        h.Append("<section class=\"limits\"><h2>What this report cannot show</h2><p>").Append(E(HonestLimits)).Append("</p></section>\n");
        h.Append("<footer>Made by makerchecker review report from the audit evidence above. Thresholds: fast dwell ")
            .Append(E(ReportFormat.Duration(report.Options.FastDwell)))
            .Append(", burst ").Append(report.Options.BurstCount.ToString(CultureInfo.InvariantCulture))
            .Append(" within ").Append(E(ReportFormat.Duration(report.Options.BurstWindow)))
            .Append(", capacity ").Append(report.Options.CapacityPerHour.ToString(CultureInfo.InvariantCulture))
            .Append(" per hour, coverage target ").Append(E(ReportFormat.Percent(report.Options.ReviewedShareTarget)))
            .Append(".</footer>\n</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Header(StringBuilder h, ReviewEvidenceSummary summary, ReviewReport report)
    {
        h.Append("<header><p class=\"eyebrow\">MakerChecker · review report</p><h1>Rubber-stamp review</h1>\n");
        if (summary.Verdict.IsValid)
        {
            h.Append("<div class=\"verdict ok\"><strong>Evidence verified.</strong> ").Append(E(ReportFormat.Verification(summary))).Append("</div>\n");
        }
        else
        {
            h.Append("<div class=\"verdict bad\" role=\"alert\"><strong>Evidence NOT verified.</strong> ").Append(E(ReportFormat.Verification(summary)))
                .Append("<br>Everything in this report rests on evidence that failed verification and may have been altered. ")
                .Append("Do not rely on it until the failure is explained.</div>\n");
        }
        h.Append("<dl class=\"facts\">");
        Fact(h, "Evidence file", summary.Path);
        Fact(h, "Kind", summary.Kind);
        Fact(h, "Events", summary.EventCount.ToString(CultureInfo.InvariantCulture));
        Fact(h, "Time range", ReportFormat.Range(summary));
        Fact(
            h,
            summary.PolicyHashes.Count > 1 ? "Policy hashes" : "Policy hash",
            summary.PolicyHashes.Count == 0 ? "none on record" : string.Join("\n", summary.PolicyHashes),
            mono: true);
        Fact(h, "Reviewers", report.Reviewers.Count.ToString(CultureInfo.InvariantCulture));
        h.Append("</dl></header>\n");
    }

    private static void Fact(StringBuilder h, string name, string value, bool mono = false) =>
        h.Append("<div><dt>").Append(E(name)).Append("</dt><dd").Append(mono ? " class=\"mono\"" : "").Append('>')
            .Append(E(value).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</dd></div>");

    private static void Summary(StringBuilder h, ReviewReport report)
    {
        var flagged = report.Findings.Where(f => f.Severity >= FindingSeverity.Warning).Select(f => f.ReviewerId).Distinct(StringComparer.Ordinal).ToList();
        var high = report.Findings.Where(f => f.Severity == FindingSeverity.High).Select(f => f.ReviewerId).Distinct(StringComparer.Ordinal).Count();
        var below = report.Coverage.Count(c => !c.MeetsTarget);
        h.Append("<section class=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        Card(
            h,
            flagged.Count == 0 ? "ok" : high > 0 ? "high" : "warning",
            flagged.Count.ToString(CultureInfo.InvariantCulture),
            $"of {report.Reviewers.Count} reviewers flagged" + (high > 0 ? $" ({high} high)" : ""));
        Card(h, report.Findings.Count == 0 ? "ok" : "neutral", report.Findings.Count.ToString(CultureInfo.InvariantCulture), "findings");
        Card(
            h,
            below == 0 ? "ok" : "warning",
            below.ToString(CultureInfo.InvariantCulture),
            $"skills below the {ReportFormat.Percent(report.Options.ReviewedShareTarget)} review target");
        Card(
            h,
            report.BreakGlassAwaitingReview.Count == 0 ? "ok" : "warning",
            report.BreakGlassAwaitingReview.Count.ToString(CultureInfo.InvariantCulture),
            "break-glass uses awaiting review");
        h.Append("</div>");
        if (report.Findings.Count > 0 && report.Findings[0] is var worst)
        {
            h.Append("<p class=\"worst\"><span class=\"badge ").Append(ReportFormat.Severity(worst.Severity)).Append("\">")
                .Append(ReportFormat.Severity(worst.Severity)).Append("</span> <strong>Worst finding:</strong> ")
                .Append(E(worst.ReviewerId)).Append(" — ").Append(E(worst.Message)).Append("</p>");
        }
        else
        {
            h.Append("<p class=\"worst\">No reviewer crossed a threshold.</p>");
        }
        h.Append("</section>\n");
    }

    private static void Card(StringBuilder h, string tone, string figure, string label) =>
        h.Append("<div class=\"card ").Append(tone).Append("\"><span class=\"figure\">").Append(E(figure))
            .Append("</span><span>").Append(E(label)).Append("</span></div>");

    private static void Overview(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"overview\"><h2>Reviewers</h2><table><thead><tr>")
            .Append("<th>Reviewer</th><th>Sign-offs</th><th>Median dwell</th><th>p10</th><th>p90</th><th>Median queue</th><th>Fast share</th>")
            .Append("<th>In bursts</th><th>Peak/h</th><th>No presentation</th><th>Refused too fast</th><th>Approval rate</th><th>Findings</th>")
            .Append("</tr></thead><tbody>");
        for (var i = 0; i < report.Reviewers.Count; i++)
        {
            var r = report.Reviewers[i];
            var worst = report.FindingsFor(r.ReviewerId).Select(f => (FindingSeverity?)f.Severity).Max();
            h.Append("<tr><td><a href=\"#reviewer-").Append(i.ToString(CultureInfo.InvariantCulture)).Append("\">").Append(E(r.ReviewerId)).Append("</a></td>")
                .Append(Cell(r.Count)).Append(Cell(ReportFormat.Duration(r.MedianDwellMs)))
                .Append(Cell(ReportFormat.Duration(r.P10DwellMs))).Append(Cell(ReportFormat.Duration(r.P90DwellMs)))
                .Append(Cell(ReportFormat.Duration(r.MedianQueueMs)))
                .Append(Cell(ReportFormat.Percent(r.FastShare), r.FastShare >= report.Options.FastShareWarning))
                .Append(Cell(r.InBursts, r.InBursts > 0)).Append(Cell(r.PeakPerHour, r.PeakPerHour > report.Options.CapacityPerHour))
                .Append(Cell(r.WithoutPresentation, r.WithoutPresentation > 0))
                .Append(Cell(r.RefusedTooFast, r.RefusedTooFast > 0)).Append(Cell(ReportFormat.Percent(r.ApprovalRate)))
                .Append("<td>")
                .Append(worst is { } w
                    ? $"<span class=\"badge {ReportFormat.Severity(w)}\">{ReportFormat.Severity(w)}</span>"
                    : "<span class=\"badge none\">none</span>")
                .Append("</td></tr>");
        }
        h.Append("</tbody></table></section>\n");
    }

    private static string Cell(int value, bool alarm = false) => Cell(value.ToString(CultureInfo.InvariantCulture), alarm);

    private static string Cell(string value, bool alarm = false) => (alarm ? "<td class=\"num alarm\">" : "<td class=\"num\">") + E(value) + "</td>";

    private static void Reviewer(StringBuilder h, ReviewReport report, ReviewerProfile r, int index, (DateTimeOffset From, DateTimeOffset To) axis)
    {
        var findings = report.FindingsFor(r.ReviewerId).ToList();
        h.Append("<section class=\"reviewer\" id=\"reviewer-").Append(index.ToString(CultureInfo.InvariantCulture))
            .Append("\" data-reviewer=\"").Append(E(r.ReviewerId)).Append("\">")
            .Append("<h2>").Append(E(r.ReviewerId)).Append(findings.Count == 0 ? " <span class=\"badge none\">no findings</span>" : "").Append("</h2>")
            .Append("<p class=\"lede\">").Append(r.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" sign-offs, median dwell ").Append(E(ReportFormat.Duration(r.MedianDwellMs)))
            .Append(" (p10 ").Append(E(ReportFormat.Duration(r.P10DwellMs))).Append(", p90 ").Append(E(ReportFormat.Duration(r.P90DwellMs))).Append("), ")
            .Append(E(ReportFormat.Percent(r.FastShare))).Append(" under ").Append(E(ReportFormat.Duration(report.Options.FastDwell)))
            .Append(", approval rate ").Append(E(ReportFormat.Percent(r.ApprovalRate))).Append(".</p>")
            .Append("<div class=\"charts\"><figure><figcaption>Dwell time per sign-off</figcaption>");
        Histogram(h, r, report.Options.FastDwell);
        h.Append("</figure><figure><figcaption>Sign-offs over time</figcaption>");
        Timeline(h, r, report.Options.CapacityPerHour, axis);
        h.Append("</figure></div>");
        foreach (var f in findings)
        {
            var severity = ReportFormat.Severity(f.Severity);
            h.Append("<div class=\"finding ").Append(severity).Append("\"><p><span class=\"badge ").Append(severity).Append("\">").Append(severity)
                .Append("</span> <code>").Append(E(f.Kind)).Append("</code> ")
                .Append(E(f.Message)).Append("</p><p class=\"thresholds\">Thresholds: ").Append(E(ReportFormat.Thresholds(f)))
                .Append(" · ").Append(f.Count.ToString(CultureInfo.InvariantCulture)).Append(" sign-offs");
            if (f.Evidence.Count < f.Count) h.Append(", first ").Append(f.Evidence.Count.ToString(CultureInfo.InvariantCulture)).Append(" shown");
            h.Append("</p><details><summary>Evidence rows (audit seq, request, dwell, time)</summary><table class=\"evidence\">")
                .Append("<thead><tr><th>Seq</th><th>Request</th><th>Dwell</th><th>Decided at</th></tr></thead><tbody>");
            foreach (var row in f.Evidence)
            {
                h.Append("<tr><td class=\"num\">").Append(row.Seq.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td class=\"mono\">").Append(E(row.RequestId)).Append("</td><td class=\"num\">")
                    .Append(E(ReportFormat.Duration(row.DwellMs))).Append("</td><td>").Append(E(ReportFormat.Time(row.DecidedAt))).Append("</td></tr>");
            }
            h.Append("</tbody></table></details></div>");
        }
        h.Append("</section>\n");
    }

    private static void Coverage(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"coverage\"><h2>Review coverage per skill</h2>")
            .Append("<p>The share of automated decisions that reached an accepted human sign-off, against a target of at least ")
            .Append(E(ReportFormat.Percent(report.Options.ReviewedShareTarget))).Append(".</p><table><thead><tr>")
            .Append("<th>Skill</th><th>Automated decisions</th><th>Reviewed</th><th>Share</th><th>Target</th></tr></thead><tbody>");
        foreach (var c in report.Coverage)
        {
            h.Append("<tr><td class=\"mono\">").Append(E(c.Skill)).Append("</td>")
                .Append(Cell(c.AutomatedDecisions)).Append(Cell(c.Reviewed)).Append(Cell(ReportFormat.Percent(c.Share), !c.MeetsTarget))
                .Append("<td>").Append(c.MeetsTarget ? "<span class=\"badge ok\">met</span>" : "<span class=\"badge high\">below</span>").Append("</td></tr>");
        }
        if (report.Coverage.Count == 0) h.Append("<tr><td colspan=\"5\">No automated decisions on record.</td></tr>");
        h.Append("</tbody></table></section>\n");
    }

    private static void Ageing(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"ageing\"><h2>Requests: ageing and lapses per skill</h2><table><thead><tr><th>Skill</th><th>Opened</th>")
            .Append("<th>Lapsed</th><th>Still open</th><th>Median time to first sign-off</th><th>Oldest open</th></tr></thead><tbody>");
        foreach (var a in report.Lapses)
        {
            h.Append("<tr><td class=\"mono\">").Append(E(a.Skill)).Append("</td>").Append(Cell(a.Opened)).Append(Cell(a.Expired, a.Expired > 0))
                .Append(Cell(a.StillOpen)).Append(Cell(Span(a.MedianTimeToSignOff))).Append(Cell(Span(a.OldestOpenAge))).Append("</tr>");
        }
        if (report.Lapses.Count == 0) h.Append("<tr><td colspan=\"6\">No approval requests on record.</td></tr>");
        h.Append("</tbody></table></section>\n");
    }

    private static void Appeals(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"appeals\"><h2>Appeals: overturn rate per approver</h2>");
        if (report.Appeals.Count == 0)
        {
            h.Append("<p>No appeal outcomes on record (the app records them with RecordAppealAsync).</p></section>\n");
            return;
        }
        h.Append("<table><thead><tr><th>Approver</th><th>Appealed</th><th>Overturned</th><th>Overturn rate</th></tr></thead><tbody>");
        foreach (var a in report.Appeals)
        {
            h.Append("<tr><td>").Append(E(a.ReviewerId)).Append("</td>").Append(Cell(a.Appealed)).Append(Cell(a.Overturned))
                .Append(Cell(ReportFormat.Percent(a.OverturnRate), a.OverturnRate >= 0.5)).Append("</tr>");
        }
        h.Append("</tbody></table></section>\n");
    }

    private static string Span(TimeSpan? span) => span is not { } s ? "-"
        : s.TotalHours >= 1 ? s.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " h"
        : s.TotalMinutes >= 1 ? s.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min"
        : s.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    private static void PolicyActivations(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"policies\"><h2>Policy activations</h2>");
        if (report.PolicyActivations.Count == 0)
        {
            h.Append("<p>No policy activation on record.</p></section>\n");
            return;
        }
        h.Append("<p>Each policy put in force, who put it in force and how, and what changed from the policy before it. ")
            .Append("Changes that weaken a control are flagged.</p>")
            .Append("<table><thead><tr><th>Seq</th><th>When</th><th>Policy</th><th>Who</th><th>How</th><th>Changes</th></tr></thead><tbody>");
        foreach (var a in report.PolicyActivations)
        {
            h.Append("<tr><td class=\"num\">").Append(a.Seq.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(ReportFormat.Time(a.At)))
                .Append("</td><td>").Append(E(a.Name)).Append(a.Version is null ? "" : " " + E(a.Version))
                .Append(" <span class=\"mono\">").Append(E(a.PolicyHash[..12])).Append("</span></td><td>").Append(E(a.ActivatedBy ?? "host"))
                .Append(a.Approvers.Count == 0 ? "" : ", approved by " + E(string.Join(", ", a.Approvers))).Append("</td><td>")
                .Append(a.How == "break-glass" ? "<span class=\"badge high\">break-glass</span> " + E(a.Justification!) : E(a.How)).Append("</td><td>");
            if (a.Changes.Count == 0) h.Append(a.RulesRecorded ? "first policy, or no change of meaning" : "rules not recorded in this log (older writer)");
            else
            {
                h.Append("<ul>");
                foreach (var c in a.Changes)
                {
                    h.Append(c.Weakens ? "<li class=\"alarm\"><span class=\"badge high\">weakens</span> " : "<li>").Append(E(c.Text)).Append("</li>");
                }
                h.Append("</ul>");
            }
            h.Append("</td></tr>");
        }
        h.Append("</tbody></table></section>\n");
    }

    private static void BreakGlass(StringBuilder h, ReviewReport report)
    {
        h.Append("<section class=\"breakglass\"><h2>Break-glass awaiting review</h2>");
        if (report.BreakGlassAwaitingReview.Count == 0)
        {
            h.Append("<p>No break-glass use on record.</p></section>\n");
            return;
        }
        h.Append("<p>Each use ran a gated skill without approval and must be reviewed afterwards.</p>")
            .Append("<table><thead><tr><th>Seq</th><th>When</th><th>Who</th><th>Skill</th><th>Justification</th></tr></thead><tbody>");
        foreach (var b in report.BreakGlassAwaitingReview)
        {
            h.Append("<tr><td class=\"num\">").Append(b.Seq.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(E(ReportFormat.Time(b.At))).Append("</td><td>").Append(E(b.PrincipalId))
                .Append("</td><td class=\"mono\">").Append(E(b.Skill)).Append("</td><td>").Append(E(b.Justification)).Append("</td></tr>");
        }
        h.Append("</tbody></table></section>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
