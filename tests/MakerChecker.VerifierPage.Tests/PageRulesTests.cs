using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>The page's own rules, read from its source: self-contained, no network, a strict Content-Security-Policy.</summary>
public sealed partial class PageRulesTests
{
    private static readonly string Page = File.ReadAllText(VerifierPageSession.PagePath, Encoding.UTF8);

    [Fact]
    public void The_page_names_no_external_url_and_calls_no_network_api()
    {
        Assert.DoesNotContain("http:", Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", Page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(AttributeWithUrl(), Page);
        foreach (var api in (string[])["fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "@import", "url(", "<iframe", "<link"])
        {
            Assert.DoesNotContain(api, Page, StringComparison.Ordinal);
        }

        Assert.Single(ScriptTags().Matches(Page)); // one inline script, no src
    }

    [Fact]
    public void The_content_security_policy_allows_nothing_from_outside_and_no_eval()
    {
        var csp = Csp().Match(Page);
        Assert.True(csp.Success, "the page has no Content-Security-Policy meta tag");
        var policy = csp.Groups[1].Value;

        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("base-uri 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("form-action 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("connect-src", policy, StringComparison.Ordinal); // falls back to default-src 'none'
        Assert.Matches("script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)", policy); // the hash only: no 'unsafe-inline' for scripts
    }

    [Fact]
    public void The_script_is_allowed_by_its_hash_and_by_nothing_else()
    {
        var start = Page.IndexOf("<script>", StringComparison.Ordinal) + "<script>".Length;
        var end = Page.LastIndexOf("</script>", StringComparison.Ordinal);
        var hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Page[start..end])));

        Assert.True(Page.Contains($"script-src '{hash}'", StringComparison.Ordinal),
            $"after changing the page's script, put its hash in the CSP meta tag: script-src '{hash}'");
    }

    [GeneratedRegex("""(src|href|action|formaction|poster|data)\s*=\s*["']?\s*(//|[a-z][a-z0-9+.-]*:)""", RegexOptions.IgnoreCase)]
    private static partial Regex AttributeWithUrl();

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTags();

    [GeneratedRegex("""<meta http-equiv="Content-Security-Policy" content="([^"]+)">""")]
    private static partial Regex Csp();
}
