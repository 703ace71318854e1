using System.ComponentModel;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text.Json;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.ModelContextProtocol;
using MakerChecker.Policy;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MakerChecker.ModelContextProtocol.Tests.Support;

/// <summary>
/// An MCP server and client in one process, over two pipes (no network): the claims tools behind a gate on the
/// claims-review policy, on a fake clock. The client's user is set by a message filter, as an authenticating transport would.
/// </summary>
internal sealed class InProcessMcp : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    private InProcessMcp(ServiceProvider services, McpClient client, FakeTimeProvider clock, FaultInjectingAuditStore store, ApprovalGate gate, Task serving)
    {
        _services = services;
        Client = client;
        Clock = clock;
        Store = store;
        Gate = gate;
        _serving = serving;
    }

    public McpClient Client { get; }

    public FakeTimeProvider Clock { get; }

    public FaultInjectingAuditStore Store { get; }

    public ApprovalGate Gate { get; }

    public ClaimsTools Tools { get; private init; } = null!;

    public static readonly Dictionary<string, object?> DenyArguments = new() { ["claimId"] = "C-1009", ["reason"] = "PXDX-42: not covered" };

    /// <summary>Starts the server with <paramref name="user"/> as every request's authenticated user (none when null).</summary>
    public static async Task<InProcessMcp> StartAsync(string? user = "drafter-bot", Action<MakerCheckerMcpOptions>? configure = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
        var store = new FaultInjectingAuditStore(new InMemoryAuditStore(timeProvider: clock));
        var gate = await ApprovalGate.CreateAsync(policy, store, clock);
        var tools = new ClaimsTools();

        var toServer = new Pipe();
        var toClient = new Pipe();
        var services = new ServiceCollection();
        services.AddSingleton(gate);
        services.AddMcpServer()
            .WithStreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream())
            .WithTools(tools)
            .WithMessageFilters(f => f.AddIncomingFilter(next => (context, ct) =>
            {
                if (user is not null) context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], "test"));
                return next(context, ct);
            }))
            .WithMakerChecker(configure ?? (o => o.Map("deny_claim", "coverage.deny@1").Map("flag_claim", "coverage.flag@1").Ungoverned("lookup_claim")));
        var provider = services.BuildServiceProvider();
        var server = provider.GetRequiredService<McpServer>();
        var stop = new CancellationTokenSource();
        var serving = server.RunAsync(stop.Token);

        var client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()));
        return new InProcessMcp(provider, client, clock, store, gate, serving) { Tools = tools };
    }

    public Task<CallToolResult> CallAsync(string tool, IReadOnlyDictionary<string, object?> arguments, string? requestId = null) =>
        Client.CallToolAsync(tool, arguments, options: requestId is null ? null : new RequestOptions
        {
            Meta = new() { [MakerCheckerMcpOptions.RequestIdMetaKey] = requestId },
        }).AsTask();

    public async Task<GateResult> PhysicianApprovesAsync(string requestId, string reviewer = "dr.okafor")
    {
        await Gate.PresentAsync(requestId, reviewer);
        Clock.Advance(TimeSpan.FromSeconds(95));
        return await Gate.ApproveAsync(requestId, reviewer, "chart reviewed");
    }

    public static JsonElement Structured(CallToolResult result) => result.StructuredContent ?? throw new InvalidOperationException("no structured content");

    public static string Field(CallToolResult result, string name) => Structured(result).GetProperty(name).GetString()!;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        await _services.DisposeAsync();
        try { await _serving; } catch (OperationCanceledException) { }
        _stop.Dispose();
        await Gate.DisposeAsync();
        await Store.DisposeAsync();
    }
}

/// <summary>The claims system's tools; each counts how often it ran.</summary>
[McpServerToolType]
internal sealed class ClaimsTools
{
    public List<string> Flagged { get; } = [];

    public List<(string ClaimId, string Reason)> Denied { get; } = [];

    public List<string> LookedUp { get; } = [];

    public List<string> Paid { get; } = [];

    [McpServerTool(Name = "flag_claim"), Description("Flags a claim for denial.")]
    public string Flag(string claimId)
    {
        Flagged.Add(claimId);
        return $"claim {claimId} flagged";
    }

    [McpServerTool(Name = "deny_claim"), Description("Denies a claim.")]
    public string Deny(string claimId, string reason)
    {
        Denied.Add((claimId, reason));
        return $"claim {claimId} denied";
    }

    [McpServerTool(Name = "lookup_claim"), Description("Reads a claim.")]
    public string Lookup(string claimId)
    {
        LookedUp.Add(claimId);
        return $"claim {claimId}: open";
    }

    [McpServerTool(Name = "pay_claim"), Description("Pays a claim (not mapped: refused).")]
    public string Pay(string claimId)
    {
        Paid.Add(claimId);
        return $"claim {claimId} paid";
    }
}
