using System.Text.Json.Nodes;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using MakerChecker.Testing.Browser;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using ReviewerInbox;

namespace MakerChecker.AspNetCore.Tests;

/// <summary>
/// The inbox in a real browser (Debian's Chromium through Playwright): the ReviewerInbox sample on Kestrel at
/// 127.0.0.1, signed in through its development sign-in page, with a fake clock the test advances past min_review.
/// Each flow saves screenshots under TestResults/screenshots.
/// </summary>
public sealed class InboxBrowserTests : IAsyncLifetime
{
    private readonly string _evidence = Directory.CreateTempSubdirectory("mc-inbox-browser-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebApplication? _app;
    private HeadlessChromium? _chromium;
    private string _root = "";

    private ApprovalGate Gate => _app!.Services.GetRequiredService<ApprovalGate>();

    public async Task InitializeAsync()
    {
        if (!HeadlessChromium.IsAvailable && Environment.GetEnvironmentVariable("CI") != "true") return; // every test here is skipped
        _app = ReviewerInboxApp.Build(["--urls", "http://127.0.0.1:0", "--Demo:Evidence", _evidence, "--Demo:Agent", "false"], b =>
        {
            b.Services.AddSingleton<TimeProvider>(_time);
            b.Services.Configure<MakerCheckerOptions>(o => o.TimeProvider = _time);
            b.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _app.StartAsync();
        _root = ReviewerInboxApp.Address(_app);
        await Gate.InitializeAsync();
        _chromium = await HeadlessChromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null) await _chromium.DisposeAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        Directory.Delete(_evidence, recursive: true);
    }

    [ChromiumFact]
    public async Task Two_physicians_sign_a_two_approver_denial_and_it_executes_once()
    {
        var request = await OpenAsync("dr.director", Claim("CLM-2A"));
        Assert.Equal(2, request.RequiredApprovals);
        foreach (var physician in new[] { "dr.okafor", "dr.lindqvist" })
        {
            var page = await SignInAsync(physician);
            await page.ClickAsync($"a[href$='{request.Id}']");
            Assert.Contains("CLM-2A", await page.InnerTextAsync("main"), StringComparison.Ordinal);
            await HeadlessChromium.SaveScreenshotAsync(page, $"two-approvers-case-{physician}");
            _time.Advance(TimeSpan.FromSeconds(31));
            await page.ClickAsync("button.approve");
            Assert.Contains("was recorded", await page.InnerTextAsync("main"), StringComparison.Ordinal);
            await HeadlessChromium.SaveScreenshotAsync(page, $"two-approvers-signed-{physician}");
        }

        Assert.Equal(ApprovalStatus.Approved, Gate.GetRequest(request.Id)!.Status);
        var runs = 0;
        ValueTask Run(CancellationToken _)
        {
            runs++;
            return ValueTask.CompletedTask;
        }
        Assert.False((await Gate.ExecuteAsync(request.Id, "dr.director", Claim("CLM-2A"), Run)).IsRefused);
        Assert.True((await Gate.ExecuteAsync(request.Id, "dr.director", Claim("CLM-2A"), Run)).IsRefused);
        Assert.Equal(1, runs);
    }

    [ChromiumFact]
    public async Task The_requester_cannot_see_or_sign_its_own_request()
    {
        var request = await OpenAsync("dr.okafor", Claim("CLM-OWN"));
        var page = await SignInAsync("dr.okafor");
        Assert.Equal(0, await page.Locator($"a[href$='{request.Id}']").CountAsync());
        var response = await page.GotoAsync($"{_root}/review/requests/{request.Id}");
        Assert.Equal(404, response!.Status);
        Assert.Contains("No case to review", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await HeadlessChromium.SaveScreenshotAsync(page, "requester-404");
    }

    [ChromiumFact]
    public async Task A_sign_off_two_seconds_after_opening_is_refused_with_the_remaining_time_shown()
    {
        var request = await OpenAsync();
        // Scripts off: the page must work without them, and the server's own figure is what is checked.
        var page = await SignInAsync("dr.okafor", javaScriptEnabled: false);
        await page.GotoAsync($"{_root}/review/requests/{request.Id}");
        _time.Advance(TimeSpan.FromSeconds(2));
        await page.ClickAsync("button.approve");
        var text = await page.InnerTextAsync("main");
        Assert.Contains("review_too_fast", text, StringComparison.Ordinal);
        Assert.Contains("Time remaining: 28 s", text, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, Gate.GetRequest(request.Id)!.Status);
        await HeadlessChromium.SaveScreenshotAsync(page, "too-fast-refused");
    }

    [ChromiumFact]
    public async Task A_tampered_stored_payload_shows_the_integrity_failure()
    {
        var request = await OpenAsync(payload: Claim("CLM-T", 1250m));
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_evidence, "cases.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE request_payloads SET payload = $p WHERE digest = $d";
            command.Parameters.AddWithValue("$p", """{"claim":{"amount":12,"id":"CLM-T","member":"M-00042"}}"""u8.ToArray());
            command.Parameters.AddWithValue("$d", request.PayloadDigest);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        var page = await SignInAsync("dr.okafor");
        await page.GotoAsync($"{_root}/review/requests/{request.Id}");
        var text = await page.InnerTextAsync("main");
        Assert.Contains("Integrity failure", text, StringComparison.Ordinal);
        Assert.DoesNotContain("CLM-T", text, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("button.approve").CountAsync());
        await HeadlessChromium.SaveScreenshotAsync(page, "integrity-failure");
    }

    [ChromiumFact]
    public async Task A_rejection_needs_a_reason()
    {
        var request = await OpenAsync();
        var page = await SignInAsync("dr.okafor");
        await page.GotoAsync($"{_root}/review/requests/{request.Id}");
        _time.Advance(TimeSpan.FromSeconds(31));
        await page.ClickAsync("button.reject"); // the empty required field stops the form in the browser
        Assert.EndsWith($"/review/requests/{request.Id}", page.Url, StringComparison.Ordinal);
        Assert.False(await page.EvalOnSelectorAsync<bool>("#reject-reason", "el => el.validity.valid"));
        await HeadlessChromium.SaveScreenshotAsync(page, "reject-needs-reason");
        Assert.Equal(ApprovalStatus.Pending, Gate.GetRequest(request.Id)!.Status);

        await page.FillAsync("#reject-reason", "The diagnosis is covered under the member's rider.");
        await page.ClickAsync("button.reject");
        Assert.Contains("was recorded", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Rejected, Gate.GetRequest(request.Id)!.Status);
    }

    [ChromiumFact]
    public async Task At_390_px_wide_the_queue_and_a_hostile_case_have_no_horizontal_scroll()
    {
        var hostile = new JsonObject
        {
            ["claim"] = new JsonObject { ["id"] = "CLM-W", ["amount"] = 880 },
            ["note"] = new string('W', 3000),
            ["url"] = "https://example.invalid/" + new string('a', 400),
            ["markup"] = "<script>alert(1)</script>",
            ["rtl"] = "invoice \u202Efdp.exe",
        };
        var request = await OpenAsync(payload: hostile);
        for (var i = 0; i < 3; i++) await OpenAsync(payload: Claim($"CLM-N{i}"));
        var page = await SignInAsync("dr.okafor", width: 390);
        foreach (var (path, name) in new[] { ("/review/", "narrow-queue"), ($"/review/requests/{request.Id}", "narrow-case"), ("/review/break-glass", "narrow-break-glass") })
        {
            await page.GotoAsync(_root + path);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            await HeadlessChromium.SaveScreenshotAsync(page, name);
            Assert.True(overflow <= 0, $"{path} scrolls sideways by {overflow} px at 390 px");
            if (name == "narrow-case") Assert.Contains("invoice [U+202E]fdp.exe", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        }
    }

    private async Task<IPage> SignInAsync(string reviewer, int width = 1280, bool javaScriptEnabled = true)
    {
        var page = await _chromium!.NewPageAsync(width, 900, javaScriptEnabled);
        await page.GotoAsync($"{_root}{DevSignIn.Path}");
        await page.ClickAsync($"button[value='{reviewer}']");
        Assert.EndsWith("/review/", page.Url, StringComparison.Ordinal);
        return page;
    }

    private async Task<ApprovalRequest> OpenAsync(string requester = "drafter-bot", JsonObject? payload = null)
    {
        var result = await Gate.InvokeAsync(requester, "coverage.deny@1", payload ?? Claim(), _ => ValueTask.CompletedTask,
            new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:5d0c0a8f9e2b4c7d", "The diagnosis code is not covered by the member's plan."));
        Assert.True(result.Request is not null, result.Message);
        return result.Request!;
    }

    private static JsonObject Claim(string id = "CLM-1", decimal amount = 1250m) =>
        new() { ["claim"] = new JsonObject { ["id"] = id, ["amount"] = amount, ["member"] = "M-00042", ["diagnosis"] = "M54.5 low back pain" } };
}
