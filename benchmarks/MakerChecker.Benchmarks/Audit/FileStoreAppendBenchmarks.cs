using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// Appends to the durable file store from <see cref="Appenders"/> concurrent callers, each append acknowledged
/// only after fsync. Reported time is per event (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class FileStoreAppendBenchmarks
{
    private const int EventsPerInvoke = 4096;
    private string _dir = "";
    private FileAuditStore? _store;

    /// <summary>PerAppend; GroupCommit with no window (natural grouping); GroupCommit with a 1 ms window.</summary>
    [Params("PerAppend", "GroupCommit", "GroupCommit+1ms")]
    public string Mode { get; set; } = "";

    [Params(1, 256)]
    public int Appenders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mc-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _store = FileAuditStore.OpenAsync(Path.Combine(_dir, "audit.jsonl"), new FileAuditStoreOptions
        {
            FsyncPolicy = Mode == "PerAppend" ? AuditFsyncPolicy.PerAppend : AuditFsyncPolicy.GroupCommit,
            GroupCommitWindow = Mode == "GroupCommit+1ms" ? TimeSpan.FromMilliseconds(1) : TimeSpan.Zero,
        }).GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public async Task Append()
    {
        var perAppender = EventsPerInvoke / Appenders;
        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < perAppender; i++)
            {
                await _store!.AppendAsync(ClaimsReviewBundle.Entry((a * perAppender) + i));
            }
        })));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }
}
