namespace MakerChecker.AspNetCore.Pages;

/// <summary>The frame of every inbox page: head (the package's own stylesheet and script, nothing external), navigation, main.</summary>
internal static class Layout
{
    public static Html Begin(string title, string siteTitle, string root, string? reviewer, string active)
    {
        var h = new Html();
        h.Raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Raw("<title>").Text(title).Raw(" · ").Text(siteTitle).Raw("</title>\n")
            .Raw("<link rel=\"stylesheet\" href=\"").Attr(root).Raw("/assets/inbox.css\">\n")
            .Raw("<script src=\"").Attr(root).Raw("/assets/countdown.js\" defer></script>\n")
            .Raw("</head>\n<body>\n<header class=\"top\"><a class=\"brand\" href=\"").Attr(root).Raw("/\">").Text(siteTitle).Raw("</a>\n")
            .Raw("<nav aria-label=\"Inbox\">");
        Link(h, root + "/", "Queue", active == "queue");
        Link(h, root + "/break-glass", "Break-glass review", active == "break-glass");
        Link(h, root + "/supervisor", "Supervisor", active == "supervisor");
        h.Raw("</nav>\n");
        if (reviewer is not null) h.Raw("<p class=\"who\">Signed in as <strong>").Text(reviewer).Raw("</strong></p>\n");
        h.Raw("</header>\n<main id=\"main\">\n");
        return h;
    }

    public static string End(Html h) => h.Raw("</main>\n</body>\n</html>\n").ToString();

    /// <summary>A one-message page (not found, forbidden): says what happened without saying more than the reviewer may know.</summary>
    public static string Message(string title, string siteTitle, string root, string? reviewer, string heading, string text, string? code = null)
    {
        var h = Begin(title, siteTitle, root, reviewer, "");
        h.Raw("<h1>").Text(heading).Raw("</h1>\n<p>").Text(text).Raw("</p>\n");
        if (code is not null) h.Raw("<p>Reason code: <code>").Text(code).Raw("</code></p>\n");
        h.Raw("<p><a href=\"").Attr(root).Raw("/\">Back to the queue</a></p>\n");
        return End(h);
    }

    /// <summary>The hidden antiforgery field every form carries.</summary>
    public static void Antiforgery(Html h, string fieldName, string? token) =>
        h.Raw("<input type=\"hidden\" name=\"").Attr(fieldName).Raw("\" value=\"").Attr(token).Raw("\">\n");

    private static void Link(Html h, string href, string text, bool current)
    {
        h.Raw("<a href=\"").Attr(href).Raw("\"");
        if (current) h.Raw(" aria-current=\"page\"");
        h.Raw(">").Text(text).Raw("</a>");
    }
}
