using System.Security.Claims;
using MakerChecker.Audit.Signing;
using MakerChecker.Gates;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ReviewerInbox;

/// <summary>
/// Builds the sample app: the gate over the claims-review policy, a SQLite audit log and case store, the inbox at
/// <c>/review</c> behind cookie authentication, the development-only sign-in page, and the simulated screening agent.
/// Settings (command line or environment): <c>Demo:Evidence</c> (directory, default <c>./evidence</c>), <c>Demo:Policy</c>,
/// <c>Demo:Agent</c> (<c>false</c> to open no requests), <c>urls</c> (default <c>http://127.0.0.1:5080</c>).
/// </summary>
public static class ReviewerInboxApp
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public static async Task<int> RunAsync(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var app = Build([.. args.Where(a => a != "--smoke")], smoke ? b => b.WebHost.UseUrls("http://127.0.0.1:0") : null);
        if (!smoke)
        {
            await app.RunAsync();
            return 0;
        }

        await app.StartAsync();
        try
        {
            return await SmokeAsync(app);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>The app, configured; <paramref name="customize"/> runs last, before it is built (the tests replace the clock there).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null) builder.WebHost.UseUrls(DefaultUrl);
        var evidence = Path.GetFullPath(builder.Configuration["Demo:Evidence"] ?? "evidence");
        Directory.CreateDirectory(evidence);
        var policy = builder.Configuration["Demo:Policy"] ?? Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml");

        builder.Services.AddSqliteAuditStore(Path.Combine(evidence, "audit.db"));
        builder.Services.AddSqliteRequestPayloadStore(Path.Combine(evidence, "cases.db"));
        // The log is signed as it is written. The demo makes its own key on first run; a real app makes one with
        // 'makerchecker keygen' and keeps it out of the evidence directory.
        var key = Path.Combine(evidence, "keys", "makerchecker.key");
        if (!File.Exists(key))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(key)!);
            Ed25519KeyFile.Create(key, Path.Combine(evidence, "keys", "makerchecker.pub.pem"));
        }
        builder.Services.AddMakerChecker(o =>
        {
            o.PolicyPath = policy;
            o.Checkpoints.KeyPath = key;
            o.Checkpoints.FilePrefix = Path.Combine(evidence, "audit.db");
        });
        builder.Services.AddMakerCheckerInbox(o =>
        {
            o.Title = "Claims review";
            o.SupervisorRoles.Add("medical-director");
        });
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.LoginPath = DevSignIn.Path;
                o.Cookie.Name = "reviewer-inbox";
                o.Cookie.SameSite = SameSiteMode.Strict;
            });
        builder.Services.AddAuthorization();
        if (builder.Configuration.GetValue("Demo:Agent", true)) builder.Services.AddHostedService<ScreeningAgent>();
        customize?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", () => Results.Redirect("/review/"));
        DevSignIn.Map(app);
        app.MapMakerCheckerInbox("/review").RequireAuthorization();
        return app;
    }

    /// <summary>The first address the started app listens on.</summary>
    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);

    private static async Task<int> SmokeAsync(WebApplication app)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(Address(app)) };
        var signIn = await http.GetAsync(DevSignIn.Path);
        var inbox = await http.GetAsync("/review/");
        var ok = signIn.IsSuccessStatusCode && inbox.StatusCode == System.Net.HttpStatusCode.Redirect
            && inbox.Headers.Location?.OriginalString.Contains(DevSignIn.Path, StringComparison.Ordinal) == true;
        await app.Services.GetRequiredService<ApprovalGate>().InitializeAsync();
        Console.WriteLine($"smoke: sign-in page {(int)signIn.StatusCode}, inbox {(int)inbox.StatusCode} (challenge) -> {(ok ? "ok" : "FAILED")}");
        return ok ? 0 : 1;
    }

    /// <summary>The claim the inbox reads the reviewer from (the default, <see cref="ClaimTypes.NameIdentifier"/>).</summary>
    public static Claim ReviewerClaim(string principalId) => new(ClaimTypes.NameIdentifier, principalId);
}
