using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;
using MakerChecker.Benchmarks.Decisions;
using MakerChecker.Gates;
using MakerChecker.ModelContextProtocol;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MakerChecker.Benchmarks.Agents;

/// <summary>
/// What the agent integrations add to an allowed tool call. Each integration benchmark is paired with the same gate call
/// made directly (<see cref="ApprovalGate.InvokeAsync"/>, the same payload, the in-memory store): the difference is the
/// integration's overhead, the audit write excluded (docs/performance.md, "Agent tool calls").
/// </summary>
[MemoryDiagnoser]
public class AgentToolBenchmarks
{
    private static readonly JsonElement ClaimId = JsonSerializer.SerializeToElement("C-1009");
    private static readonly JsonElement Amount = JsonSerializer.SerializeToElement(125.5);
    private readonly AIFunctionArguments _arguments = new() { ["claimId"] = "C-1009", ["amount"] = 125.5 };
    private readonly JsonObject _payload = new() { ["claimId"] = "C-1009", ["amount"] = 125.5 };
    private IAuditStore _store = null!;
    private ApprovalGate _gate = null!;
    private AIFunction _raw = null!;
    private AIFunction _gated = null!;
    private ServiceProvider _services = null!;
    private McpServer _server = null!;
    private McpRequestHandler<CallToolRequestParams, CallToolResult> _tool = null!;
    private McpRequestHandler<CallToolRequestParams, CallToolResult> _filtered = null!;
    private RequestContext<CallToolRequestParams> _context = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new InMemoryAuditStore();
        _gate = new ApprovalGate(BenchmarkPolicy.Build(), _store);
        await _gate.InitializeAsync();
        _raw = AIFunctionFactory.Create((string claimId, double amount) => claimId, "flag_claim");
        _gated = _raw.WithMakerChecker(_gate, BenchmarkPolicy.AllowedSkill, BenchmarkPolicy.Actor);

        var options = new MakerCheckerMcpOptions().Map("flag_claim", BenchmarkPolicy.AllowedSkill);
        options.PrincipalResolver = _ => BenchmarkPolicy.Actor;
        var result = new CallToolResult { Content = [new TextContentBlock { Text = "flagged" }] };
        _tool = (_, _) => ValueTask.FromResult(result);
        _filtered = new MakerCheckerCallToolFilter(options).Wrap(_tool);
        _services = new ServiceCollection().AddSingleton(_gate).BuildServiceProvider();
        _server = McpServer.Create(new StreamServerTransport(Stream.Null, Stream.Null), new McpServerOptions(), serviceProvider: _services);
        var parameters = new CallToolRequestParams { Name = "flag_claim", Arguments = new Dictionary<string, JsonElement> { ["claimId"] = ClaimId, ["amount"] = Amount } };
        _context = new RequestContext<CallToolRequestParams>(_server, new JsonRpcRequest { Method = RequestMethods.ToolsCall, Id = new RequestId(1) }, parameters)
        {
            Services = _services,
        };
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _server.DisposeAsync();
        await _services.DisposeAsync();
        await _gate.DisposeAsync();
        await _store.DisposeAsync();
    }

    /// <summary>The function alone, ungated.</summary>
    [Benchmark]
    public ValueTask<object?> RawFunction() => _raw.InvokeAsync(_arguments);

    /// <summary>The gate called directly around the function: what <see cref="GatedFunction"/> is compared with.</summary>
    [Benchmark(Baseline = true)]
    public async Task<object?> GateThenFunction()
    {
        object? ran = null;
        await _gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, _payload, async t => ran = await _raw.InvokeAsync(_arguments, t));
        return ran;
    }

    /// <summary>The gated function (<c>WithMakerChecker</c>), allowed.</summary>
    [Benchmark]
    public ValueTask<object?> GatedFunction() => _gated.InvokeAsync(_arguments);

    /// <summary>The gate called directly around an MCP tool handler: what <see cref="McpFilteredCall"/> is compared with.</summary>
    [Benchmark]
    public async Task<CallToolResult?> GateThenMcpTool()
    {
        CallToolResult? ran = null;
        await _gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, _payload, async t => ran = await _tool(_context, t));
        return ran;
    }

    /// <summary>The MCP call-tool filter around the same handler, allowed.</summary>
    [Benchmark]
    public ValueTask<CallToolResult> McpFilteredCall() => _filtered(_context, CancellationToken.None);
}
