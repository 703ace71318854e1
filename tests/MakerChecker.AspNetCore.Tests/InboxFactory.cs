using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.AspNetCore.Tests;

/// <summary>
/// The ReviewerInbox sample under <see cref="WebApplicationFactory{TEntryPoint}"/>: its own evidence directory, no
/// screening agent, a fake clock shared by the gate and the audit store, and a test authentication scheme that reads
/// the reviewer from the <c>X-Test-User</c> header (no header: unauthenticated, and challenged with 401).
/// </summary>
public sealed partial class InboxFactory : WebApplicationFactory<Program>
{
    public const string UserHeader = "X-Test-User";

    public string Evidence { get; } = Directory.CreateTempSubdirectory("mc-inbox-").FullName;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Demo:Evidence", Evidence);
        builder.UseSetting("Demo:Agent", "false");
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.Configure<MakerCheckerOptions>(o => o.TimeProvider = Time);
            services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>("Test", _ => { });
            services.Configure<AuthenticationOptions>(o =>
            {
                o.DefaultScheme = "Test";
                o.DefaultAuthenticateScheme = "Test";
                o.DefaultChallengeScheme = "Test";
            });
        });
    }

    public ApprovalGate Gate => Services.GetRequiredService<ApprovalGate>();

    /// <summary>A client signed in as <paramref name="reviewer"/> (or anonymous), that does not follow redirects.</summary>
    public HttpClient As(string? reviewer)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        if (reviewer is not null) client.DefaultRequestHeaders.Add(UserHeader, reviewer);
        return client;
    }

    public async Task<ApprovalRequest> OpenAsync(string requester = "drafter-bot", JsonObject? payload = null)
    {
        await Gate.InitializeAsync();
        var result = await Gate.InvokeAsync(requester, "coverage.deny@1", payload ?? Claim(), _ => ValueTask.CompletedTask,
            new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:feed", "diagnosis not covered"));
        Assert.True(result.Request is not null, result.Message);
        return result.Request!;
    }

    public static JsonObject Claim(string id = "CLM-1", decimal amount = 1250m) =>
        new() { ["claim"] = new JsonObject { ["id"] = id, ["amount"] = amount, ["member"] = "M-00042" } };

    /// <summary>Every event in the audit log, read from the SQLite file.</summary>
    public async Task<IReadOnlyList<AuditEvent>> EventsAsync() => await Services.GetRequiredService<IAuditStore>().ReadAsync().ToListAsync();

    public async Task<int> CountAsync(string eventType) => (await EventsAsync()).Count(e => e.EventType == eventType);

    /// <summary>Replaces the stored payload's bytes in the SQLite case store, as someone with write access to it could.</summary>
    public async Task TamperAsync(string digest, string json)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Evidence, "cases.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE request_payloads SET payload = $p WHERE digest = $d";
        command.Parameters.AddWithValue("$p", System.Text.Encoding.UTF8.GetBytes(json));
        command.Parameters.AddWithValue("$d", digest);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>The antiforgery field of the first form on a page the client fetched.</summary>
    public static string Token(string html) => AntiforgeryField().Match(html) is { Success: true } m
        ? System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)
        : throw new InvalidOperationException("The page has no antiforgery field.");

    public static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Evidence, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temporary directory is left for the OS to clean.
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user) || user.ToString() is not { Length: > 0 } id) return Task.FromResult(AuthenticateResult.NoResult());
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], "Test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}
