using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Benchmarks.Decisions;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;

namespace MakerChecker.Benchmarks.Startup;

/// <summary>
/// Gate start-up over a long history (docs/performance.md, "Gate start-up"). Two steps, each in its own process so that
/// the second measures a cold start:
/// <list type="bullet">
/// <item><c>gate-startup write file|sqlite PATH EVENTS</c> writes a history through a real gate: per round, a gated request
/// presented, approved and executed (5 events) and three direct invocations (6 events); every 100th request is left
/// pending. Snapshots every 10,000 events and on dispose, beside the log (<c>PATH.snapshots</c>).</item>
/// <item><c>gate-startup measure file|sqlite PATH snapshot|replay</c> opens the store and a gate over it (from the newest
/// snapshot, or replaying from genesis) and prints the time to open the store, the time to ready (open + initialize) and
/// the managed heap after start (after a full collection, with the gate alive).</item>
/// </list>
/// </summary>
internal static class GateStartupProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["gate-startup", "write", var kind, var path, var events]:
                await WriteAsync(kind, path, long.Parse(events, CultureInfo.InvariantCulture));
                return 0;
            case ["gate-startup", "measure", var kind, var path, var mode and ("snapshot" or "replay")]:
                await MeasureAsync(kind, path, mode == "snapshot");
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: gate-startup write file|sqlite PATH EVENTS | gate-startup measure file|sqlite PATH snapshot|replay");
                return 2;
        }
    }

    private static async Task<IAuditStore> OpenAsync(string kind, string path) => kind switch
    {
        "file" => await FileAuditStore.OpenAsync(path),
        "sqlite" => await SqliteAuditStore.OpenAsync(path),
        _ => throw new ArgumentException($"store kind '{kind}': use file or sqlite", nameof(kind)),
    };

    private static async Task WriteAsync(string kind, string path, long events)
    {
        var policy = BenchmarkPolicy.Build();
        var clock = new SteppedClock(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        // A file log is written in memory and then to the file row by row, byte for byte as the file store writes it: a
        // gate appending to the file itself waits for an fsync per event (about 1,000 events/s here).
        await using var store = kind == "file" ? new InMemoryAuditStore() : await OpenAsync(kind, path);
        var options = new GateSnapshotOptions { Store = new FileGateSnapshotStore(path + ".snapshots") };
        var gate = new ApprovalGate(policy, store, clock) { Snapshots = options, ReviewMonitoring = null };
        await gate.InitializeAsync();
        var payload = new JsonObject { ["claim"] = "C-1" };
        Func<CancellationToken, ValueTask> run = _ => ValueTask.CompletedTask;
        var watch = Stopwatch.StartNew();
        for (long round = 0; gate.State.LastSeq < events; round++)
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            var id = (await gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.GatedSkill, payload, run)).Request!.Id;
            if (round % 100 != 99)
            {
                await gate.PresentAsync(id, "reviewer-50");
                await gate.ApproveAsync(id, "reviewer-50", "reviewed");
                await gate.ExecuteAsync(id, BenchmarkPolicy.Actor, payload, run);
            }
            for (var i = 0; i < 3; i++) await gate.InvokeAsync(BenchmarkPolicy.Actor, BenchmarkPolicy.AllowedSkill, payload, run);
            if (round % 10_000 == 0) Console.Error.WriteLine($"{gate.State.LastSeq} events, {watch.Elapsed.TotalSeconds:F0} s");
        }
        await gate.DisposeAsync(); // its last snapshot
        if (kind == "file" && store is IStoredRowSource rows)
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            await foreach (var row in rows.ReadRowsAsync(CancellationToken.None))
            {
                file.Write(row.Bytes.Span);
                file.WriteByte((byte)'\n');
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {gate.State.LastSeq} events in {watch.Elapsed.TotalSeconds:F1} s"));
    }

    private static async Task MeasureAsync(string kind, string path, bool fromSnapshot)
    {
        var policy = BenchmarkPolicy.Build();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        await using var store = await OpenAsync(kind, path);
        var opened = watch.Elapsed;
        var options = fromSnapshot
            ? new GateSnapshotOptions { Store = new FileGateSnapshotStore(path + ".snapshots"), Every = int.MaxValue, OnDispose = false }
            : null;
        await using var gate = new ApprovalGate(policy, store) { Snapshots = options, ReviewMonitoring = null };
        await gate.InitializeAsync();
        var ready = watch.Elapsed;
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(gate);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{kind} {(fromSnapshot ? "snapshot" : "replay")}: {gate.State.LastSeq} events, open {opened.TotalMilliseconds:F0} ms, " +
            $"ready {ready.TotalMilliseconds:F0} ms (from snapshot at {gate.StartedFromSnapshot}), managed heap after start " +
            $"{heap / 1e6:F1} MB ({(heap - baseline) / 1e6:F1} MB over the policy and runtime), {gate.State.Requests.Count} open requests"));
    }

    /// <summary>A clock the writer moves forward itself: the history spans simulated days.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
