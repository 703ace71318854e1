using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Bundles;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// Streaming verification of a full bundle: signature, count, digest, every hash, the chain, head and seq range.
/// Events per second = <see cref="Events"/> / mean time.
/// </summary>
[MemoryDiagnoser]
public class ChainVerificationBenchmarks
{
    private string _dir = "";
    private string _bundle = "";

    /// <summary>Bundle size in events.</summary>
    [Params(100_000, 1_000_000)]
    public int Events { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mc-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _bundle = Path.Combine(_dir, "bundle.json");
        ClaimsReviewBundle.WriteAsync(_bundle, Events).GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task VerifyFullBundle()
    {
        var verdict = await BundleVerifier.VerifyFileAsync(_bundle);
        if (!verdict.IsValid || verdict.EventCount != Events)
        {
            throw new InvalidOperationException(verdict.ToString());
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);
}
