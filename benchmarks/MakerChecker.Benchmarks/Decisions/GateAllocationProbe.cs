using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;

namespace MakerChecker.Benchmarks.Decisions;

/// <summary>
/// "gate-alloc [invoke|counted|append|roundtrip] [count] [types]": the bytes one operation of <see cref="GateBenchmarks"/> (in-memory
/// store) allocates, exact (<see cref="GC.GetAllocatedBytesForCurrentThread"/> over <c>count</c> operations after warm-up),
/// and with <c>types</c> a breakdown by type from the runtime's allocation-tick events (sampled: every ~100 KB). Run under
/// <c>perf record -g</c> with a large count for where the time goes.
/// </summary>
internal static class GateAllocationProbe
{
    private static readonly Func<CancellationToken, ValueTask> Nothing = _ => ValueTask.CompletedTask;

    private const string CountedPolicy = """
        policy:
          name: counted
          version: "1"
        skills:
          - skill: claim.flag
            versions: [1]
            risk: low
        roles:
          - role: screener
            grants:
              - skill: claim.flag@1
                limits:
                  per_day: 100000000
        principals:
          - id: p0
            kind: human
            role: screener
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var what = args.Length > 1 ? args[1] : "invoke";
        var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var byType = args is [.., "types"];
        var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1", ["amount"] = 125.5 } };
        // "counted": a skill with a limit (per day, high enough never to refuse), so each decision is counted and scoped.
        var policy = what == "counted" ? MakerChecker.Policy.PolicyLoader.Load(CountedPolicy).GetPolicyOrThrow() : BenchmarkPolicy.Build();
        await using var store = new InMemoryAuditStore();
        await using var gate = new ApprovalGate(policy, store);
        await gate.InitializeAsync();
        policy.TryGetPrincipal(BenchmarkPolicy.Actor, out var principal);

        async ValueTask Once()
        {
            switch (what)
            {
                case "invoke":
                    await gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, payload, Nothing);
                    break;
                case "counted":
                    await gate.InvokeAsync("p0", "claim.flag@1", payload, Nothing);
                    break;
                case "append":
                    var decision = DecisionEvaluator.Evaluate(policy, BenchmarkPolicy.Actor, principal, BenchmarkPolicy.AllowedSkill);
                    var entry = AuditPayloads.Decision(decision, principal, "bench", "sha256:00", DateTimeOffset.UnixEpoch, counted: false).Entry;
                    await store.AppendAsync(entry);
                    break;
                case "roundtrip":
                    var opened = await gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.GatedSkill, payload, Nothing);
                    var id = opened.Request!.Id;
                    await gate.PresentAsync(id, "reviewer-50");
                    await gate.ApproveAsync(id, "reviewer-50", "checked");
                    await gate.ExecuteAsync(id, BenchmarkPolicy.Actor, payload, Nothing);
                    break;
                default:
                    throw new ArgumentException($"gate-alloc: unknown case '{what}' (invoke, counted, append or roundtrip).");
            }
        }

        // Warm-up: twice 5,000 operations, each followed by a pause in which the JIT's tiering (which waits 100 ms without
        // new tier-0 code) recompiles what ran, so that the measured operations run tier-1 code as BenchmarkDotNet's do. A
        // fixed count, so that two runs differ only in what they measure (instructions: perf stat over two counts).
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < Math.Min(count, 5_000); i++) await Once();
            await Task.Delay(500);
        }
        using var listener = byType ? new AllocationListener() : null;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++) await Once();
        var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var pausedPerOp = (GC.GetTotalPauseDuration() - paused).TotalMilliseconds * 1000 / count;
        Console.Write(FormattableString.Invariant($"{what}: {(double)bytes / count:F1} B/op, {used.TotalMilliseconds * 1000 / count:F2} µs CPU/op over {count} ops; "));
        Console.WriteLine(FormattableString.Invariant(
            $"GC: {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2} (gen 0/1/2), paused {pausedPerOp:F2} µs/op"));
        if (listener is not null)
        {
            foreach (var (type, sampled) in listener.ByType.OrderByDescending(p => p.Value))
            {
                Console.WriteLine(FormattableString.Invariant($"  {(double)sampled / count,8:F1} B/op  {type}"));
            }
        }

        return 0;
    }

    /// <summary>Sums the runtime's <c>GCAllocationTick</c> events (one per ~100 KB allocated) by type.</summary>
    private sealed class AllocationListener : EventListener
    {
        public Dictionary<string, long> ByType { get; } = [];

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "GCAllocationTick_V4" || e.Payload is null) return;
            var type = e.Payload[e.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(e.Payload[e.PayloadNames.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
            lock (ByType) ByType[type] = ByType.GetValueOrDefault(type) + amount;
        }
    }
}
