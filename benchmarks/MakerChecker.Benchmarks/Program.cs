using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, e.g. --filter '*ChainVerification*'. See docs/performance.md for the figures.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
