using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MakerChecker.Benchmarks.Inbox;

/// <summary>
/// The reviewer's queue page (<c>GET /review/</c>) with <see cref="OpenRequests"/> open requests the reviewer may all
/// sign: the whole ASP.NET Core pipeline in process (TestServer, no sockets), authentication, the gate's
/// <c>GetRequestsToSign</c>, filtering, paging and rendering one page of 25. The median is the server time p50.
/// </summary>
[MemoryDiagnoser]
public class InboxQueueBenchmarks
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    [Params(10_000)]
    public int OpenRequests { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MakerChecker.Sdk.sln"))) root = Path.GetDirectoryName(root)!;
        var policy = PolicyLoader.LoadFile(Path.Combine(root, "samples", "policies", "claims-review.yaml")).GetPolicyOrThrow();

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IRequestPayloadStore>(new InMemoryRequestPayloadStore());
        builder.Services.AddMakerChecker(o => (o.Policy, o.AuditStore, o.ReviewMonitoring) = (policy, new InMemoryAuditStore(), null));
        builder.Services.AddMakerCheckerInbox();
        builder.Services.AddAuthentication("Bench").AddScheme<AuthenticationSchemeOptions, ReviewerHeader>("Bench", _ => { });
        _app = builder.Build();
        _app.UseAuthentication();
        _app.MapMakerCheckerInbox("/review");
        await _app.StartAsync();

        var gate = _app.Services.GetRequiredService<ApprovalGate>();
        await gate.InitializeAsync();
        for (var i = 0; i < OpenRequests; i++)
        {
            var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = $"CLM-{i}", ["amount"] = 100 + i % 900 } };
            await gate.InvokeAsync("drafter-bot", "coverage.deny@1", payload, _ => ValueTask.CompletedTask);
        }
        _client = _app.GetTestClient();
        _client.DefaultRequestHeaders.Add("X-Reviewer", "dr.okafor");
        var first = await _client.GetStringAsync(new Uri("/review/", UriKind.Relative));
        if (!first.Contains("Page 1 of", StringComparison.Ordinal)) throw new InvalidOperationException("The queue page did not render its pages.");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Benchmark(Description = "GET /review/ (first page)")]
    public Task<string> FirstPage() => _client.GetStringAsync(new Uri("/review/", UriKind.Relative));

    [Benchmark(Description = "GET /review/?page=200&skill=coverage.deny@1")]
    public Task<string> FilteredLastPage() => _client.GetStringAsync(new Uri("/review/?page=200&skill=coverage.deny%401", UriKind.Relative));

    private sealed class ReviewerHeader(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers.TryGetValue("X-Reviewer", out var id)
                ? AuthenticateResult.Success(new AuthenticationTicket(
                    new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id.ToString())], "Bench")), "Bench"))
                : AuthenticateResult.NoResult());
    }
}
