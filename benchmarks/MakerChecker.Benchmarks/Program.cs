using BenchmarkDotNet.Running;
using MakerChecker.Benchmarks.Audit;

// Pick benchmarks with --filter, e.g. --filter '*ChainVerification*'. See docs/performance.md for the figures.
// "audit-peak-memory <sizes…>" measures the audit verifier's peak memory in a child process instead.
// "audit-write-bundle <path> <count> [upstream]" only writes a realistic signed bundle (for benchmarks/cli-verify.sh):
// as our exporter writes it, or in the upstream export layout (indented, jsonb key order).
if (args is ["audit-write-bundle", var bundlePath, var count, ..] && args.Length <= 4)
{
    var upstream = args is [.., "upstream"];
    await ClaimsReviewBundle.WriteAsync(bundlePath, int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), upstream);
    return 0;
}

// "audit-row-cost <bundle> [rows] [profile]" times the verifier's per-row work on one thread (RowCostProbe); with
// "profile", it only parses the rows over and over, for perf record; with "recognize", only the row recognizer.
if (args is ["audit-row-cost", var costPath, ..])
{
    var costRows = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
    return RowCostProbe.Run(costPath, costRows, profileOnly: args is [.., "profile"], recognizerOnly: args is [.., "recognize"]);
}

// "store-open build|measure …" measures what opening a durable store costs as its history grows (StoreOpenProbe).
if (args is ["store-open", ..])
{
    return await MakerChecker.Benchmarks.Stores.StoreOpenProbe.RunAsync(args);
}

if (args is ["audit-peak-memory", ..] or ["audit-verify-one", ..])
{
    return await PeakMemoryProbe.RunAsync(args);
}

// "gate-startup write|measure …" measures gate start-up over a long history (GateStartupProbe).
if (args is ["gate-startup", ..])
{
    return await MakerChecker.Benchmarks.Startup.GateStartupProbe.RunAsync(args);
}

// "gate-alloc invoke|append|roundtrip [count] [types]" measures the bytes per gate operation (GateAllocationProbe).
if (args is ["gate-alloc", ..])
{
    return await MakerChecker.Benchmarks.Decisions.GateAllocationProbe.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
