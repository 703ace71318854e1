using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Benchmarks.Audit;

namespace MakerChecker.Benchmarks.Stores;

/// <summary>Verifies a 10,000-event log read from each store (AuditStoreVerifier). Reported time is per event.</summary>
[MemoryDiagnoser]
public class StoreVerificationBenchmarks
{
    private const int Events = 10_000;
    private readonly BenchmarkStores _stores = new();
    private IAuditStore? _store;

    public static IEnumerable<string> Kinds => BenchmarkStores.Kinds();

    [ParamsSource(nameof(Kinds))]
    public string Store { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _store = _stores.OpenAsync(Store).GetAwaiter().GetResult();
        Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < Events; i += 8)
            {
                await _store.AppendAsync(ClaimsReviewBundle.Entry(i));
            }
        }))).GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Events + 1)]
    public async Task<bool> Verify()
    {
        var verdict = await AuditStoreVerifier.VerifyAsync(_store!);
        return verdict.IsValid ? true : throw new InvalidOperationException(verdict.Reason);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stores.CleanupAsync().GetAwaiter().GetResult();
    }
}
