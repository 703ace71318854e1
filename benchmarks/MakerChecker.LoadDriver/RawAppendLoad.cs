using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Verification;

namespace MakerChecker.LoadDriver;

/// <summary>
/// <c>raw</c>: N writers in this process append to one PostgreSQL chain through one <see cref="PostgreSqlAuditStore"/>,
/// each append awaited until durable, for a fixed time or count; then the chain is verified and counted.
/// </summary>
internal static class RawAppendLoad
{
    public static async Task<int> RunAsync(string connectionString, int writers, TimeSpan duration, int maxEvents)
    {
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        // Warm up: connections, prepared statements, JIT.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => store.AppendAsync(Entry("warmup", w)).AsTask()));

        var latencies = Enumerable.Range(0, writers).Select(_ => new Latencies()).ToArray();
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && Interlocked.Increment(ref next) <= maxEvents)
            {
                var started = Stopwatch.GetTimestamp();
                await store.AppendAsync(Entry("w" + w.ToString(CultureInfo.InvariantCulture), w));
                latencies[w].Add(Stopwatch.GetTimestamp() - started);
            }
        })));
        var elapsed = clock.Elapsed;
        var all = Latencies.Merge(latencies);
        Console.WriteLine(
            $"raw: {writers} writers, {all.Count} durable events in {elapsed.TotalSeconds:0.00} s: {all.Count / elapsed.TotalSeconds:0} events/s, " +
            $"latency p50 {all.Ms(0.50)} ms, p99 {all.Ms(0.99)} ms");

        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        var expected = 1 + writers + all.Count;
        Console.WriteLine(
            $"check: chain {(verdict.IsValid ? "valid" : "INVALID: " + verdict.Reason)}, {verdict.EventCount} events (expected {expected})");
        return verdict.IsValid && verdict.EventCount == expected ? 0 : 1;
    }

    private static AuditEntry Entry(string writer, int n) => new()
    {
        Actor = new AuditActor("service", "load-" + writer),
        EventType = "load.recorded",
        EntityType = "load",
        EntityId = writer + "-" + n.ToString(CultureInfo.InvariantCulture),
        Payload = new JsonObject { ["writer"] = writer, ["claim"] = new JsonObject { ["id"] = "C-1009", ["amount"] = 125.5 } },
    };
}
