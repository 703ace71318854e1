using System.Globalization;
using MakerChecker.LoadDriver;
using MakerChecker.PartitionLoad;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// A bounded load driver for partitioned chains on PostgreSQL (loopback only; docs/performance.md, "Partitions, measured where
// they matter"). For each workload and partition count: a new database, a signed partitioned log of that many chains (a
// schema each), and either one PartitionedGate with C callers in this process, or P child processes (--processes P), each
// its own PartitionedGate over the same chains with C callers, as a fleet of app instances sharing the log. Callers invoke
// as their own principals (--principals per-process, a fleet routing each user to one instance), every process for every
// principal (--principals shared), or their own principals each on a chain their process owns (--principals routed, a fleet
// routing each user to the instance that owns the user's chain: another deployment, not the judged one). Every process first
// warms up on a database of its own (--warmup seconds, then until its JIT is quiet). Afterwards every chain and the signed index are verified, the capped skill's limit must
// be exact across the fleet, and every allowed invocation must have one outcome. Without --connection it starts its own
// throwaway cluster on 127.0.0.1 (fsync on, synchronous_commit on) and removes it.
if (args is ["child", var cs, var warmCs, var policyFile, var process, var processCount, var callerCount, var principals, var work, var secs, var warm, var max,
    var chains])
{
    return await FleetRun.ChildAsync(cs, warmCs, policyFile, Int(process), new RunSettings(work, Int(chains), Int(processCount), Int(callerCount), principals,
        TimeSpan.FromSeconds(double.Parse(secs, CultureInfo.InvariantCulture)), TimeSpan.FromSeconds(double.Parse(warm, CultureInfo.InvariantCulture)),
        long.Parse(max, CultureInfo.InvariantCulture)));
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

var workloads = (Option("--workload") ?? "allowed").Split(',');
var principalsMode = Option("--principals") ?? "per-process";
if (workloads.Any(w => !Workload.Names.Contains(w)) || principalsMode is not ("per-process" or "shared" or "routed") || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: MakerChecker.PartitionLoad [--connection \"Host=127.0.0.1;Port=…;Username=…;Database=postgres\"] " +
        "[--partitions 1,8] [--processes 1] [--callers 64] [--principals per-process|shared|routed] [--workload allowed,keyed,roundtrip] " +
        "[--warmup 5] [--seconds 10] [--max 2000000]");
    return 2;
}

var partitionCounts = (Option("--partitions") ?? "1,8").Split(',').Select(Int).ToArray();
var processes = Math.Clamp(Int(Option("--processes") ?? "1"), 1, 16);
var callers = Math.Clamp(Int(Option("--callers") ?? "64"), 1, 256);
// The run at most 50 s, so that every capped call falls in one minute of its limit (the warm-up is on another database).
var warmup = TimeSpan.FromSeconds(Math.Clamp(double.Parse(Option("--warmup") ?? "5", CultureInfo.InvariantCulture), 0, 20));
var duration = TimeSpan.FromSeconds(Math.Clamp(double.Parse(Option("--seconds") ?? "10", CultureInfo.InvariantCulture), 1, 50));
var budget = Math.Clamp(long.Parse(Option("--max") ?? "2000000", CultureInfo.InvariantCulture), 1, 5_000_000);

await using var cluster = Option("--connection") is null ? await ThrowawayCluster.StartAsync() : null;
var server = Option("--connection") ?? cluster!.ConnectionString;
if (new NpgsqlConnectionStringBuilder(server).Host is not ("127.0.0.1" or "localhost" or "::1"))
{
    Console.Error.WriteLine("The partition load driver runs on loopback only: give a connection string whose Host is 127.0.0.1, localhost or ::1.");
    return 2;
}

Console.WriteLine($"partition load: {processes} process(es) x {callers} callers, principals {principalsMode}, {warmup.TotalSeconds} s warm-up, then {duration.TotalSeconds} s or " +
    $"{budget} per run, {Environment.ProcessorCount} cores, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
var allChecked = true;
foreach (var workload in workloads)
{
    var results = new List<RunResult>();
    foreach (var partitions in partitionCounts)
    {
        var r = await FleetRun.RunAsync(server, new RunSettings(workload, partitions, processes, callers, principalsMode, duration, warmup, budget));
        Console.WriteLine($"  {workload}, {partitions} chain(s): {r.Completed} in {r.Seconds:F1} s = {r.PerSecond:F0}/s; CPU {r.CpuMicros:F0} us each " +
            $"(gates {r.GateCpu:F1} s, PostgreSQL {r.PostgresCpu:F1} s); " +
            $"{(double)r.Commits / Math.Max(1, r.Completed):F2} commits each; load average {r.Load}");
        results.Add(r);
        allChecked &= r.Checked;
    }

    if (results.Count > 1)
    {
        Console.WriteLine($"  {workload}: {results[^1].Settings.Partitions} chains / {results[0].Settings.Partitions} = " +
            $"{results[^1].PerSecond / results[0].PerSecond:F2}x the invocations/s, {results[^1].CpuMicros / results[0].CpuMicros:F2}x the CPU each");
    }
}

return allChecked ? 0 : 1;
