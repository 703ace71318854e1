using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;
using MakerChecker.Benchmarks.Audit;

namespace MakerChecker.Benchmarks.Stores;

/// <summary>
/// Appends to each store from <see cref="Writers"/> concurrent callers, each append awaited until durable (committed).
/// Reported time is per event (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class StoreAppendBenchmarks
{
    private const int EventsPerInvoke = 2048;
    private readonly BenchmarkStores _stores = new();
    private IAuditStore? _store;

    public static IEnumerable<string> Kinds => BenchmarkStores.Kinds();

    [ParamsSource(nameof(Kinds))]
    public string Store { get; set; } = "";

    [Params(1, 8)]
    public int Writers { get; set; }

    [GlobalSetup]
    public void Setup() => _store = _stores.OpenAsync(Store).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = EventsPerInvoke)]
    public async Task Append()
    {
        var perWriter = EventsPerInvoke / Writers;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await _store!.AppendAsync(ClaimsReviewBundle.Entry((w * perWriter) + i));
            }
        })));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stores.CleanupAsync().GetAwaiter().GetResult();
    }
}
