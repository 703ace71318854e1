using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>What the page shows after a check: the attributes of its verdict region and its text.</summary>
/// <param name="Verdict"><c>valid</c>, <c>invalid</c>, or <c>error</c> (not checked: a usage problem such as a missing key).</param>
/// <param name="ReasonCode">The reason code of an invalid bundle (<c>AuditReasonCodes</c>); empty otherwise.</param>
/// <param name="Seq">The failing seq, when the verdict names one; empty otherwise.</param>
/// <param name="Kind"><c>full bundle</c>, <c>run bundle</c>, <c>bundle</c> or <c>receipt</c>; empty for an error.</param>
/// <param name="Text">The region's visible text.</param>
internal sealed record PageVerdict(string Verdict, string ReasonCode, string Seq, string Kind, string Text)
{
    public bool IsValid => Verdict == "valid";

    public long? FailedSeq => Seq.Length == 0 ? null : long.Parse(Seq, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One headless Chromium for the whole test run, and the page as a file: the bytes of the repository's verify.html, loaded
/// from a <c>file://</c> URL (a secure context, so WebCrypto is available), exactly as an inspector opens it.
/// </summary>
public sealed class VerifierPageSession : IAsyncLifetime
{
    private HeadlessChromium? _browser;

    /// <summary>The page file as built into the test output (a copy of src/MakerChecker.Cli/VerifierPage/verify.html).</summary>
    public static string PagePath { get; } = Path.Combine(AppContext.BaseDirectory, "VerifierPage", "verify.html");

    public static Uri PageUri { get; } = new(PagePath);

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Opens the page in a fresh context at the given viewport width.</summary>
    internal async Task<IPage> OpenAsync(int width = 1280, int height = 900)
    {
        _browser ??= await HeadlessChromium.LaunchAsync();
        var page = await _browser.NewPageAsync(width, height);
        await page.GotoAsync(PageUri.AbsoluteUri);
        return page;
    }

    /// <summary>Sets the key text (empty for none), gives the page one file through its file input, and reads the verdict.</summary>
    internal static async Task<PageVerdict> CheckAsync(IPage page, FilePayload file, string key = "")
    {
        await page.FillAsync("#key", key);
        await page.EvalOnSelectorAsync("#verdict", "v => { v.dataset.verdict = 'pending'; }");
        await page.SetInputFilesAsync("#file", file);
        return await ReadVerdictAsync(page);
    }

    /// <summary>As <see cref="CheckAsync(IPage, FilePayload, string)"/>, for a file on disk.</summary>
    internal static Task<PageVerdict> CheckFileAsync(IPage page, string path, string key = "") =>
        CheckAsync(page, new FilePayload { Name = Path.GetFileName(path), MimeType = "application/json", Buffer = File.ReadAllBytes(path) }, key);

    internal static async Task<PageVerdict> ReadVerdictAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => !['pending', 'busy'].includes(document.getElementById('verdict').dataset.verdict)",
            null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var v = await page.EvalOnSelectorAsync<string[]>("#verdict",
            "v => [v.dataset.verdict, v.dataset.reasonCode ?? '', v.dataset.seq ?? '', v.dataset.kind ?? '', v.innerText]");
        return new PageVerdict(v[0], v[1], v[2], v[3], v[4]);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }
}

/// <summary>The browser tests share one Chromium.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<VerifierPageSession>
{
    public const string Name = "verifier page in Chromium";
}
