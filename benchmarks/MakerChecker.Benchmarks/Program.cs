using BenchmarkDotNet.Running;
using MakerChecker.Benchmarks.Audit;

// Pick benchmarks with --filter, e.g. --filter '*ChainVerification*'. See docs/performance.md for the figures.
// "audit-peak-memory <sizes…>" measures the audit verifier's peak memory in a child process instead.
// "audit-write-bundle <path> <count>" only writes a realistic signed bundle (for benchmarks/cli-verify.sh).
if (args is ["audit-write-bundle", var bundlePath, var count])
{
    await ClaimsReviewBundle.WriteAsync(bundlePath, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["audit-peak-memory", ..] or ["audit-verify-one", ..])
{
    return await PeakMemoryProbe.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
