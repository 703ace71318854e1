using MakerChecker.Gates;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>The break-glass uses awaiting review, each with a form to accept it or escalate it with a reason.</summary>
internal static class BreakGlassPage
{
    public static string Render(
        IReadOnlyList<BreakGlassRecord> uses, string reviewer, DateTimeOffset now, string root, string field, string? token, string? refused,
        string? reviewed, string siteTitle)
    {
        var h = Layout.Begin("Break-glass review", siteTitle, root, reviewer, "break-glass");
        h.Raw("<h1>Break-glass uses awaiting review <span class=\"count\">").Text(uses.Count).Raw("</span></h1>\n")
            .Raw("<p>Each skill run without approval in an emergency is reviewed afterwards by an eligible approver of its gate, other than ")
            .Raw("whoever broke the glass. A reviewed use leaves this list.</p>\n");
        if (refused is not null)
        {
            h.Raw("<div class=\"alert\" role=\"alert\"><p>").Text(RefusalText.For(refused)).Raw("</p><p>Reason code: <code>").Text(refused)
                .Raw("</code></p></div>\n");
        }
        if (reviewed is not null) h.Raw("<p class=\"notice\" role=\"status\">Your review of <code>").Text(reviewed).Raw("</code> was recorded.</p>\n");
        if (uses.Count == 0)
        {
            h.Raw("<p class=\"empty\">No break-glass use is waiting for review.</p>\n");
            return Layout.End(h);
        }

        foreach (var u in uses)
        {
            var id = "bg-" + u.InvocationId;
            h.Raw("<article class=\"card\" aria-labelledby=\"").Attr(id).Raw("\"><h2 id=\"").Attr(id).Raw("\">").Text(u.Skill).Raw(" by ").Text(u.PrincipalId)
                .Raw("</h2><dl class=\"facts\"><dt>When</dt><dd>").Text(Html.Time(u.InvokedAt)).Raw(" (").Text(Html.Duration(now - u.InvokedAt))
                .Raw(" ago)</dd><dt>Justification</dt><dd><bdi>").Text(u.Justification).Raw("</bdi></dd><dt>Rule</dt><dd><code>").Text(Html.Rule(u.Rule))
                .Raw("</code></dd><dt>Payload digest</dt><dd><code class=\"hash\">").Text(u.PayloadDigest).Raw("</code></dd></dl>\n")
                .Raw("<form method=\"post\" action=\"").Attr(root + "/break-glass/" + Uri.EscapeDataString(u.InvocationId)).Raw("\">\n");
            Layout.Antiforgery(h, field, token);
            var reason = "reason-" + u.InvocationId;
            h.Raw("<label for=\"").Attr(reason).Raw("\">Reason (required to escalate)</label>\n<textarea id=\"").Attr(reason)
                .Raw("\" name=\"reason\" rows=\"2\" maxlength=\"2000\"></textarea>\n")
                .Raw("<button type=\"submit\" name=\"verdict\" value=\"accepted\" class=\"approve\">Accept</button> ")
                .Raw("<button type=\"submit\" name=\"verdict\" value=\"escalated\" class=\"reject\">Escalate</button>\n</form></article>\n");
        }
        return Layout.End(h);
    }
}
