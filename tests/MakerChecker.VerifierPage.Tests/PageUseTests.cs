using MakerChecker.Audit.Signing;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>Using the page: offline, labelled controls, the keyboard, and a 390-pixel phone screen (with screenshots).</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageUseTests(VerifierPageSession session) : IDisposable
{
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();

    private async Task<FilePayload> BundleAsync(bool tampered = false)
    {
        var bundle = await OurEvidence.FullBundleAsync(_signer, 6, checkpoints: true);
        if (tampered) bundle = OurEvidence.Replace(bundle, "{\"seq\":\"5\"", "approved", "approvex");
        return new FilePayload { Name = tampered ? "tampered-bundle.json" : "bundle.json", MimeType = "application/json", Buffer = bundle };
    }

    [ChromiumFact]
    public async Task Checking_a_file_makes_no_request_beyond_the_page_itself()
    {
        var page = await session.OpenAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);

        var shown = await VerifierPageSession.CheckAsync(page, await BundleAsync());

        Assert.True(shown.IsValid, shown.ToString());
        Assert.Empty(requests);
    }

    [ChromiumFact]
    public async Task Every_control_has_a_label_and_the_verdict_is_announced()
    {
        var page = await session.OpenAsync();

        Assert.Equal("file", await page.GetByLabel("Evidence file (bundle or receipt)").GetAttributeAsync("type"));
        Assert.Equal("key", await page.GetByLabel("Key (optional for a bundle, required for a receipt)").GetAttributeAsync("id"));
        Assert.Equal("keyfile", await page.GetByLabel("Key file").GetAttributeAsync("id"));
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Or drop the file here" }).CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Check again" }).CountAsync());
        Assert.Equal("polite", await page.GetAttributeAsync("#verdict", "aria-live"));
        Assert.Equal("status", await page.GetAttributeAsync("#verdict", "role"));
    }

    [ChromiumFact]
    public async Task The_page_works_from_the_keyboard_alone()
    {
        var page = await session.OpenAsync();

        // Listen for the file chooser before any key is pressed: Playwright turns the browser's file-chooser interception
        // on without waiting for its reply, so a chooser opened right after the listener is added can be missed (it
        // timed out once in CI that way); the round trips of the Tab presses below come after it.
        var opened = new TaskCompletionSource<IFileChooser>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.FileChooser += (_, c) => opened.TrySetResult(c);
        var focused = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused.Add(await page.EvaluateAsync<string>("() => document.activeElement.id"));
        }

        Assert.Equal(["file", "drop", "key", "keyfile"], focused.Where(id => id.Length > 0).Take(4));

        // Enter on the drop zone opens the file chooser; the verdict then takes the focus, so a screen reader reads it.
        await page.FocusAsync("#drop");
        await page.Keyboard.PressAsync("Enter");
        var chooser = await opened.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await page.EvalOnSelectorAsync("#verdict", "v => { v.dataset.verdict = 'pending'; }");
        await chooser.SetFilesAsync(await BundleAsync(tampered: true));
        var shown = await VerifierPageSession.ReadVerdictAsync(page);

        Assert.Equal("hash_mismatch", shown.ReasonCode);
        Assert.Equal("verdict", await page.EvaluateAsync<string>("() => document.activeElement.id"));
    }

    [ChromiumFact]
    public async Task On_a_390_pixel_phone_the_valid_and_the_failing_verdict_fit_without_scrolling_sideways()
    {
        var page = await session.OpenAsync(width: 390, height: 844);

        var valid = await VerifierPageSession.CheckAsync(page, await BundleAsync());
        Assert.True(valid.IsValid, valid.ToString());
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the valid verdict scrolls sideways");
        await HeadlessChromium.SaveScreenshotAsync(page, "verifier-page-valid-390px");

        var failing = await VerifierPageSession.CheckAsync(page, await BundleAsync(tampered: true));
        Assert.Equal("hash_mismatch", failing.ReasonCode);
        Assert.Equal(5, failing.FailedSeq);
        Assert.Contains("The content of an event was changed after it was recorded.", failing.Text, StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= 390"), "the failing verdict scrolls sideways");
        var path = await HeadlessChromium.SaveScreenshotAsync(page, "verifier-page-failing-390px");

        Assert.True(new FileInfo(path).Length > 10_000);
    }

    public void Dispose() => _signer.Dispose();
}
