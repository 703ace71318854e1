using System.Globalization;
using MakerChecker.Review;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>
/// The supervisor's view: the rubber-stamp report (<see cref="RubberStampDetector"/>, the same report the CLI prints)
/// over the last N days of the live log, one card per reviewer so that it reads on a phone.
/// </summary>
internal static class SupervisorPage
{
    public static string Render(ReviewReport report, int days, DateTimeOffset since, string reviewer, string root, string siteTitle)
    {
        var h = Layout.Begin("Supervisor", siteTitle, root, reviewer, "supervisor");
        h.Raw("<h1>Review patterns, last ").Text(days).Raw(days == 1 ? " day" : " days").Raw("</h1>\n<p>Live from the audit log since ")
            .Text(Html.Time(since)).Raw(". Findings are patterns hard to square with review, not verdicts.</p>\n")
            .Raw("<form method=\"get\" action=\"").Attr(root + "/supervisor").Raw("\" class=\"filter\"><label for=\"days\">Days</label> ")
            .Raw("<input id=\"days\" name=\"days\" type=\"number\" min=\"1\" max=\"90\" value=\"").Text(days)
            .Raw("\"> <button type=\"submit\">Show</button></form>\n");

        h.Raw("<ul class=\"states\" aria-label=\"Summary\"><li><span>reviewers</span> <strong>").Text(report.Reviewers.Count)
            .Raw("</strong></li><li><span>findings</span> <strong>").Text(report.Findings.Count)
            .Raw("</strong></li><li><span>break-glass awaiting review</span> <strong>").Text(report.BreakGlassAwaitingReview.Count)
            .Raw("</strong></li></ul>\n");

        if (report.Reviewers.Count == 0) h.Raw("<p class=\"empty\">No sign-offs in this period.</p>\n");
        foreach (var r in report.Reviewers)
        {
            var id = "rv-" + r.ReviewerId;
            h.Raw("<article class=\"card\" aria-labelledby=\"").Attr(id).Raw("\"><h2 id=\"").Attr(id).Raw("\">").Text(r.ReviewerId)
                .Raw("</h2>\n<dl class=\"facts\">")
                .Raw("<dt>Sign-offs</dt><dd>").Text(r.Count).Raw(" (").Text(Percent(r.ApprovalRate)).Raw(" approved)</dd>")
                .Raw("<dt>Median dwell</dt><dd>").Text(Ms(r.MedianDwellMs)).Raw("</dd>")
                .Raw("<dt>Dwell p10 – p90</dt><dd>").Text(Ms(r.P10DwellMs)).Raw(" – ").Text(Ms(r.P90DwellMs)).Raw("</dd>")
                .Raw("<dt>Faster than the fast-dwell threshold</dt><dd>").Text(r.FastCount).Raw(" (").Text(Percent(r.FastShare)).Raw(")</dd>")
                .Raw("<dt>Without presentation</dt><dd>").Text(r.WithoutPresentation).Raw("</dd>")
                .Raw("<dt>In bursts</dt><dd>").Text(r.InBursts).Raw("</dd>")
                .Raw("<dt>Peak per hour</dt><dd>").Text(r.PeakPerHour).Raw("</dd>")
                .Raw("<dt>Refused as too fast</dt><dd>").Text(r.RefusedTooFast).Raw("</dd></dl>\n");
            var findings = report.FindingsFor(r.ReviewerId).ToList();
            if (findings.Count > 0)
            {
                h.Raw("<ul class=\"findings\">");
                foreach (var f in findings)
                {
                    h.Raw("<li class=\"").Attr(f.Severity.ToString().ToLowerInvariant()).Raw("\"><strong>").Text(f.Severity.ToString()).Raw("</strong> <code>")
                        .Text(f.Kind).Raw("</code>: ").Text(f.Message).Raw("</li>");
                }
                h.Raw("</ul>\n");
            }
            h.Raw("</article>\n");
        }

        if (report.Coverage.Count > 0)
        {
            h.Raw("<h2>Review coverage per skill</h2>\n<ul class=\"coverage\">");
            foreach (var c in report.Coverage)
            {
                h.Raw("<li><code>").Text(c.Skill).Raw("</code>: ").Text(c.Reviewed).Raw(" of ").Text(c.AutomatedDecisions).Raw(" reviewed (")
                    .Text(Percent(c.Share)).Raw(c.MeetsTarget ? ", meets" : ", below").Raw(" the target of ").Text(Percent(c.Target)).Raw(")</li>");
            }
            h.Raw("</ul>\n");
        }
        return Layout.End(h);
    }

    private static string Percent(double share) => share.ToString("P0", CultureInfo.InvariantCulture);

    private static string Ms(long? ms) => ms is { } v ? Html.Duration(TimeSpan.FromMilliseconds(v)) : "–";
}
