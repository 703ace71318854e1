using BenchmarkDotNet.Running;
using MakerChecker.Benchmarks.Audit;

// Pick benchmarks with --filter, e.g. --filter '*ChainVerification*'. See docs/performance.md for the figures.
// "audit-peak-memory <sizes…>" measures the audit verifier's peak memory in a child process instead.
if (args is ["audit-peak-memory", ..] or ["audit-verify-one", ..])
{
    return await PeakMemoryProbe.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
