using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Benchmarks.Audit;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>
/// Appends through <see cref="CheckpointedAuditStore"/> (leaf after the durable append, checkpoint every 1000 events)
/// against the bare store, from 64 concurrent callers. Reported time is per event (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class CheckpointedAppendBenchmarks
{
    private const int EventsPerInvoke = 4096;
    private const int Appenders = 64;
    private readonly BenchmarkSigner _signer = new();
    private string _dir = "";
    private IAuditStore? _store;

    [Params("memory", "file")]
    public string Store { get; set; } = "memory";

    [Params(false, true)]
    public bool Checkpointed { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("mc-bench-checkpointed-").FullName;
        IAuditStore inner = Store == "file"
            ? FileAuditStore.OpenAsync(Path.Combine(_dir, "audit.jsonl")).GetAwaiter().GetResult()
            : new InMemoryAuditStore();
        _store = Checkpointed
            ? CheckpointedAuditStore.OpenAsync(inner, new CheckpointedAuditStoreOptions { Signer = _signer, CheckpointEveryEvents = 1000 }).GetAwaiter().GetResult()
            : inner;
    }

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public async Task Append()
    {
        const int perAppender = EventsPerInvoke / Appenders;
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
        _signer.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// A receipt from a live checkpointed log of 1,000,000 events (in memory, so the figure is the layer's cost rather
/// than the inner store's read): read the event, recompute its leaf, the inclusion proof, assemble the receipt.
/// </summary>
[MemoryDiagnoser]
public class ReceiptCreationBenchmarks
{
    private const int Events = 1_000_000;
    private readonly BenchmarkSigner _signer = new();
    private readonly Random _random = new(42);
    private CheckpointedAuditStore? _store;

    [GlobalSetup]
    public void Setup()
    {
        _store = CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), new CheckpointedAuditStoreOptions { Signer = _signer, CheckpointEveryEvents = 100_000 })
            .GetAwaiter().GetResult();
        for (var i = 1; i < Events; i++)
        {
            _store.AppendAsync(ClaimsReviewBundle.Entry(i)).AsTask().GetAwaiter().GetResult();
        }

        _store.CheckpointAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task<Receipt> CreateReceipt() => await _store!.CreateReceiptAsync(_random.NextInt64(1, Events + 1));

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _signer.Dispose();
    }
}
