using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Benchmarks.Decisions;

/// <summary>
/// The audit write of one decision, an allowed invocation end to end, and the gate round trip
/// (open → present → approve → execute: five audit events) with the in-memory and the file store.
/// </summary>
[MemoryDiagnoser]
public class GateBenchmarks
{
    private static readonly Func<CancellationToken, ValueTask> Nothing = _ => ValueTask.CompletedTask;
    private readonly JsonObject _payload = new() { ["claim"] = new JsonObject { ["id"] = "C-1", ["amount"] = 125.5 } };
    private CompiledPolicy _policy = null!;
    private IAuditStore _store = null!;
    private ApprovalGate _gate = null!;
    private string? _path;

    /// <summary>Which store the gate writes to.</summary>
    [Params("memory", "file")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public async Task Setup()
    {
        _policy = BenchmarkPolicy.Build();
        if (Store == "file")
        {
            _path = Path.Combine(Path.GetTempPath(), $"mc-bench-{Guid.NewGuid():N}.jsonl");
            _store = await FileAuditStore.OpenAsync(_path);
        }
        else
        {
            _store = new InMemoryAuditStore();
        }
        _gate = new ApprovalGate(_policy, _store);
        await _gate.InitializeAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _gate.DisposeAsync();
        await _store.DisposeAsync();
        if (_path is not null) File.Delete(_path);
    }

    // The gate's methods return ValueTask, and so do these: an async Task<T> method allocates its task for any result the
    // runtime does not cache (DecisionOutcome.Allowed is 1, a seq or a string is not cached), about 72 bytes an operation of
    // the harness's own that BenchmarkDotNet would add to the gate's.

    /// <summary>Appending one <c>decision.allowed</c> event: the cost the evaluation figures exclude.</summary>
    [Benchmark]
    public async ValueTask<long> AuditWriteOfOneDecision()
    {
        _policy.TryGetPrincipal(BenchmarkPolicy.Actor, out var principal);
        var decision = DecisionEvaluator.Evaluate(_policy, BenchmarkPolicy.Actor, principal, BenchmarkPolicy.AllowedSkill);
        var entry = AuditPayloads.Decision(decision, principal, "bench", "sha256:00", DateTimeOffset.UnixEpoch, counted: false).Entry;
        return (await _store.AppendAsync(entry)).Seq;
    }

    /// <summary>An allowed invocation through the public API: decide, digest, record, run, record the outcome.</summary>
    [Benchmark]
    public async ValueTask<DecisionOutcome> InvokeAllowed() =>
        (await _gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, _payload, Nothing)).Outcome;

    /// <summary>
    /// Sixteen allowed invocations at once on one gate (time per invocation): how far concurrent callers of one gate
    /// share the store's group commit.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public async Task<int> ConcurrentInvokeAllowed16()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => _gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, _payload, Nothing).AsTask()));
        return results.Length;
    }

    /// <summary>Open, present, approve, execute.</summary>
    [Benchmark]
    public async ValueTask<string> RoundTrip()
    {
        var opened = await _gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.GatedSkill, _payload, Nothing);
        var id = opened.Request!.Id;
        await _gate.PresentAsync(id, "reviewer-50");
        await _gate.ApproveAsync(id, "reviewer-50", "checked");
        return (await _gate.ExecuteAsync(id, BenchmarkPolicy.Actor, _payload, Nothing)).ReasonCode;
    }
}
