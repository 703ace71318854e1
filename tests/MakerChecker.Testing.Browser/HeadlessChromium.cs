using Microsoft.Playwright;

namespace MakerChecker.Testing.Browser;

/// <summary>
/// Debian's Chromium (<c>apt-get install chromium</c>, installed by <c>.ci/install-deps</c>) driven by Playwright.
/// Nothing is downloaded: the browser is the system's, at <see cref="ExecutablePath"/>.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    /// <summary>Where Debian's chromium package puts the browser.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    // The machine's network is closed: without these, Chromium's background connections are refused many at a time.
    private static readonly string[] QuietArgs =
    [
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps",
    ];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>True when the browser is installed here.</summary>
    public static bool IsAvailable => File.Exists(ExecutablePath);

    /// <summary>The running browser.</summary>
    public IBrowser Browser { get; }

    /// <summary>Where screenshots go: <c>TestResults/screenshots</c> beside the test assembly (kept as CI artifacts).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    /// <summary>Starts headless Chromium, or fails with a sentence saying what is missing and how to install it.</summary>
    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}: run `apt-get install chromium` (CI installs it with .ci/install-deps).");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = QuietArgs,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new page in its own context (no shared cookies), with the given viewport width and JavaScript on or off.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, bool javaScriptEnabled = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            JavaScriptEnabled = javaScriptEnabled,
        });
        return await context.NewPageAsync();
    }

    /// <summary>Saves a full-page screenshot as <c>{name}.png</c> in <see cref="ScreenshotDirectory"/> and returns its path.</summary>
    public static async Task<string> SaveScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
