using BenchmarkDotNet.Attributes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// The reference verifier (audit-format.md section 6, written to be read, whole bundle in memory) beside the streaming
/// verifier on the same bundles. Measured and reported, no target: the figures say what readability costs.
/// Smaller sizes than <see cref="ChainVerificationBenchmarks"/>: the reference holds the bundle and its rows in memory.
/// </summary>
[MemoryDiagnoser]
public class ReferenceVerificationBenchmarks
{
    private string _dir = "";
    private string _bundle = "";

    /// <summary>Bundle size in events.</summary>
    [Params(10_000, 100_000)]
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
    public void VerifyFullBundleWithReference() => Check(ReferenceBundleVerifier.Verify(File.ReadAllBytes(_bundle)));

    [Benchmark(Baseline = true)]
    public async Task VerifyFullBundleStreaming() => Check(await BundleVerifier.VerifyFileAsync(_bundle));

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private void Check(AuditVerdict verdict)
    {
        if (!verdict.IsValid || verdict.EventCount != Events)
        {
            throw new InvalidOperationException(verdict.ToString());
        }
    }
}
