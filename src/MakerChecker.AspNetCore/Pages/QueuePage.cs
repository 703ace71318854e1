using MakerChecker.Gates;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>One page of a reviewer's queue, with the filter and the counts per state.</summary>
internal sealed record QueueView(
    IReadOnlyList<ApprovalRequest> Page, int Total, int PageNumber, int PageCount, string? Skill, IReadOnlyList<string> Skills,
    IReadOnlyDictionary<ApprovalStatus, int> Counts, string Reviewer, DateTimeOffset Now, string Root, string? Signed);

/// <summary>
/// The queue: the open requests this reviewer may sign, oldest first, with skill, requester, age, the expiry countdown
/// and how many sign-offs are still needed; paging; a filter by skill (a plain GET form); counts per state.
/// </summary>
internal static class QueuePage
{
    private static readonly ApprovalStatus[] States =
        [ApprovalStatus.Pending, ApprovalStatus.Approved, ApprovalStatus.Executed, ApprovalStatus.Rejected, ApprovalStatus.Expired, ApprovalStatus.Failed];

    public static string Render(QueueView v, string siteTitle)
    {
        var h = Layout.Begin("Queue", siteTitle, v.Root, v.Reviewer, "queue");
        h.Raw("<h1>Cases waiting for your sign-off <span class=\"count\">").Text(v.Total).Raw("</span></h1>\n");
        if (v.Signed is { } signed)
        {
            h.Raw("<p class=\"notice\" role=\"status\">Your sign-off on request <code>").Text(signed).Raw("</code> was recorded.</p>\n");
        }

        h.Raw("<ul class=\"states\" aria-label=\"Requests per state\">");
        foreach (var s in States)
        {
            h.Raw("<li><span>").Text(s.ToString().ToLowerInvariant()).Raw("</span> <strong>").Text(v.Counts.GetValueOrDefault(s)).Raw("</strong></li>");
        }
        h.Raw("</ul>\n");

        h.Raw("<form method=\"get\" action=\"").Attr(v.Root + "/").Raw("\" class=\"filter\"><label for=\"skill\">Skill</label> ")
            .Raw("<select id=\"skill\" name=\"skill\">")
            .Raw("<option value=\"\">All skills</option>");
        foreach (var skill in v.Skills)
        {
            h.Raw("<option value=\"").Attr(skill).Raw("\"").Raw(skill == v.Skill ? " selected" : "").Raw(">").Text(skill).Raw("</option>");
        }
        h.Raw("</select> <button type=\"submit\">Filter</button></form>\n");

        if (v.Page.Count == 0)
        {
            h.Raw("<p class=\"empty\">Nothing is waiting for you.</p>\n");
            return Layout.End(h);
        }

        h.Raw("<div class=\"table\"><table>\n<caption class=\"visually-hidden\">Open requests, oldest first</caption>\n")
            .Raw("<thead><tr><th scope=\"col\">Skill</th><th scope=\"col\">Requester</th><th scope=\"col\">Age</th>")
            .Raw("<th scope=\"col\">Expires in</th><th scope=\"col\">Sign-offs needed</th>")
            .Raw("<th scope=\"col\"><span class=\"visually-hidden\">Open</span></th></tr></thead>\n<tbody>\n");
        foreach (var r in v.Page)
        {
            var approvals = 0;
            foreach (var s in r.SignOffs) approvals += s.Approved ? 1 : 0;
            var href = v.Root + "/requests/" + Uri.EscapeDataString(r.Id);
            h.Raw("<tr><td data-label=\"Skill\">").Text(r.Skill).Raw("</td><td data-label=\"Requester\">").Text(r.RequesterId)
                .Raw("</td><td data-label=\"Age\">").Text(Html.Duration(v.Now - r.RequestedAt))
                .Raw("</td><td data-label=\"Expires in\"><span data-countdown=\"").Attr(Html.Iso(r.ExpiresAt)).Raw("\">")
                .Text(Html.Duration(r.ExpiresAt - v.Now))
                .Raw("</span></td><td data-label=\"Sign-offs needed\">").Text(Math.Max(r.RequiredApprovals - approvals, 0))
                .Raw("</td><td><a href=\"").Attr(href).Raw("\">Open case<span class=\"visually-hidden\"> ").Text(r.Id).Raw("</span></a></td></tr>\n");
        }
        h.Raw("</tbody></table></div>\n");
        Pager(h, v);
        return Layout.End(h);
    }

    private static void Pager(Html h, QueueView v)
    {
        if (v.PageCount <= 1) return;
        h.Raw("<nav class=\"pager\" aria-label=\"Pages\">");
        if (v.PageNumber > 1) h.Raw("<a rel=\"prev\" href=\"").Attr(PageHref(v, v.PageNumber - 1)).Raw("\">Previous</a> ");
        h.Raw("<span>Page ").Text(v.PageNumber).Raw(" of ").Text(v.PageCount).Raw("</span>");
        if (v.PageNumber < v.PageCount) h.Raw(" <a rel=\"next\" href=\"").Attr(PageHref(v, v.PageNumber + 1)).Raw("\">Next</a>");
        h.Raw("</nav>\n");
    }

    private static string PageHref(QueueView v, int page) =>
        v.Root + "/?page=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + (v.Skill is null ? "" : "&skill=" + Uri.EscapeDataString(v.Skill));
}
