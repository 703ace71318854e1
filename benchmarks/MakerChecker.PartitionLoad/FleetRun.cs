using System.Diagnostics;
using System.Globalization;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Signing;
using MakerChecker.Partitions;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;
using Npgsql;

namespace MakerChecker.PartitionLoad;

/// <summary>The settings of one run.</summary>
/// <param name="Principals">Who the callers invoke as: <c>per-process</c>, <c>shared</c> or <c>routed</c> (<see cref="LoadPolicy.Principal"/>).</param>
/// <param name="Warmup">
/// How long every process first runs the workload on a warm-up database of its own chains (then on, until the JIT is quiet,
/// <see cref="LoadDriver.JitQuiet"/>), so that the figures are of jitted, warmed-up gates; 0 for none.
/// </param>
internal sealed record RunSettings(string Workload, int Partitions, int Processes, int Callers, string Principals, TimeSpan Duration, TimeSpan Warmup,
    long Budget);

/// <summary>What one run measured: invocations (or round trips) completed, in how long, at what CPU, and whether the checks held.</summary>
internal sealed record RunResult(RunSettings Settings, long Completed, double Seconds, double GateCpu, double PostgresCpu, long Commits, string Load,
    bool Checked)
{
    public double PerSecond => Completed / Seconds;

    /// <summary>CPU of the gates' processes and of PostgreSQL, per completed invocation, in microseconds.</summary>
    public double CpuMicros => (GateCpu + PostgresCpu) * 1e6 / Math.Max(1, Completed);
}

/// <summary>
/// One run: a new database, a signed partitioned log of N chains opened by this process (it records the policy on every
/// chain and signs the index), then either one <see cref="PartitionedGate"/> here (one process) or P child processes,
/// each with its own unsigned <see cref="PartitionedAuditLog"/> object and <see cref="PartitionedGate"/> over the same
/// chains, as a fleet of app instances would; afterwards this process signs a last round and the run is checked.
/// </summary>
internal static class FleetRun
{
    /// <summary>The log's origin; every process opens the chains under it (each chain's store is named <c>Origin/CHAIN</c>).</summary>
    private const string Origin = "load.example/claims";

    public static async Task<RunResult> RunAsync(string server, RunSettings s)
    {
        var database = "mc_load_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(server, $"CREATE DATABASE {database}");
        await ExecuteAsync(server, $"CREATE DATABASE {database}_w");
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = database, MaxPoolSize = 200 }.ToString();
        var warmConnection = new NpgsqlConnectionStringBuilder(server) { Database = database + "_w", MaxPoolSize = 200 }.ToString();
        var directory = Directory.CreateTempSubdirectory("mc-partition-load-").FullName;
        try
        {
            var policyFile = Path.Combine(directory, "policy.yaml");
            await File.WriteAllTextAsync(policyFile, LoadPolicy.Yaml(await WorkersAsync(s)));
            var policy = PolicyLoader.Load(await File.ReadAllTextAsync(policyFile)).GetPolicyOrThrow();
            await using (var warmLog = await PostgreSqlPartitionedAuditLog.OpenAsync(warmConnection, s.Partitions, new PartitionedAuditLogOptions { Origin = Origin }))
            {
                await using var _ = await PartitionedGate.CreateAsync(policy, warmLog); // the policy on every warm-up chain too
            }

            using var signer = Ed25519AuditSigner.Generate();
            var options = new PartitionedAuditLogOptions { Signer = signer, Origin = Origin, Directory = directory };
            long completed, failed, cappedTried, cappedAllowed;
            double seconds, gateCpu, postgresCpu;
            long commits;
            PartitionIndex index;
            await using (var log = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, s.Partitions, options))
            {
                var gate = await PartitionedGate.CreateAsync(policy, log);
                long[] counts;
                var unexpected = "";
                if (s.Processes == 1)
                {
                    await using (gate)
                    {
                        await WarmUpAsync(warmConnection, policy, s, 0);
                        var pgBefore = await CpuMeter.PostgresAsync(connection);
                        var commitsBefore = await CpuMeter.CommitsAsync(connection);
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var clock = Stopwatch.StartNew();
                        (counts, unexpected) = await Workload.RunAsync(gate, s.Workload, 0, s.Callers, PrincipalOf(s, 0, gate), s.Duration, s.Budget);
                        seconds = clock.Elapsed.TotalSeconds;
                        gateCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                        postgresCpu = CpuMeter.Delta(pgBefore, await CpuMeter.PostgresAsync(connection));
                        await Task.Delay(1100); // the backends report their commits within a second
                        commits = await CpuMeter.CommitsAsync(connection) - commitsBefore;
                    }
                }
                else
                {
                    await gate.DisposeAsync(); // the policy is on every chain before the children start, so they do not race to record it
                    (counts, gateCpu, seconds, postgresCpu, commits, unexpected) = await RunChildrenAsync(connection, warmConnection, policyFile, s);
                }

                (completed, failed, cappedTried, cappedAllowed) = (counts[0], counts[6], counts[3], counts[4]);
                if (counts[2] + failed > 0) Console.WriteLine($"    {counts[2]} calls refused unexpectedly, {failed} threw: {unexpected}");
                if (counts[5] < completed + cappedAllowed) Console.WriteLine($"    {counts[5]} actions ran for {completed + cappedAllowed} allowed");
            }

            // A signed log covers the events its own process appended (its checkpointed stores catch up to those only), so the
            // last round is signed by opening the log again, which reads every chain to its end, as a fleet's signer would.
            await using (var signing = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, s.Partitions, options))
            {
                index = await signing.CheckpointAsync();
            }

            var load = CpuMeter.LoadAverage();
            var ok = await RunCheck.RunAsync(connection, s.Partitions, options, index, completed, failed, cappedTried, cappedAllowed, s.Workload);
            return new RunResult(s, completed, seconds, gateCpu, postgresCpu, commits, load, ok);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE {database} WITH (FORCE)");
            await ExecuteAsync(server, $"DROP DATABASE {database}_w WITH (FORCE)");
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(long[] Counts, double Cpu, double Seconds, double PostgresCpu, long Commits, string Unexpected)> RunChildrenAsync(
        string connection, string warmConnection, string policyFile, RunSettings s)
    {
        var self = typeof(FleetRun).Assembly.Location;
        var children = Enumerable.Range(0, s.Processes).Select(p =>
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { self, "child", connection, warmConnection, policyFile, I(p), I(s.Processes), I(s.Callers), s.Principals, s.Workload,
                s.Duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                s.Warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture), (s.Budget / s.Processes).ToString(CultureInfo.InvariantCulture), I(s.Partitions) })
            {
                info.ArgumentList.Add(a);
            }

            var child = Process.Start(info)!;
            return (Tag: p, Process: child, Out: child.StandardOutput.ReadToEndAsync(), Err: child.StandardError.ReadToEndAsync());
        }).ToList();
        while (!children.All(c => File.Exists($"{policyFile}.{I(c.Tag)}.ready")) && !children.Any(c => c.Process.HasExited)) await Task.Delay(20);
        var pgBefore = await CpuMeter.PostgresAsync(connection);
        var commitsBefore = await CpuMeter.CommitsAsync(connection);
        var clock = Stopwatch.StartNew();
        await File.WriteAllTextAsync(policyFile + ".go", "");
        var counts = new long[Workload.Counters.Length];
        double cpu = 0;
        var unexpected = new List<string>();
        // The children keep their connections open until PostgreSQL's CPU is read, then are told to stop.
        while (!children.All(c => File.Exists($"{policyFile}.{I(c.Tag)}.done")) && !children.Any(c => c.Process.HasExited)) await Task.Delay(20);
        var seconds = clock.Elapsed.TotalSeconds;
        var pgCpu = CpuMeter.Delta(pgBefore, await CpuMeter.PostgresAsync(connection));
        await Task.Delay(1100); // the backends report their commits within a second
        var commits = await CpuMeter.CommitsAsync(connection) - commitsBefore;
        await File.WriteAllTextAsync(policyFile + ".stop", "");
        foreach (var (tag, child, output, error) in children)
        {
            using (child)
            {
                await child.WaitForExitAsync();
                if (child.ExitCode != 0) throw new InvalidOperationException($"process {tag} failed ({child.ExitCode}): {await error}");
                foreach (var line in (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var parts = line.Split(' ');
                    if (parts[0] == "count") counts[Array.IndexOf(Workload.Counters, parts[1])] += long.Parse(parts[2], CultureInfo.InvariantCulture);

                    if (parts[0] == "cpu") cpu += double.Parse(parts[1], CultureInfo.InvariantCulture);
                    if (parts[0] == "unexpected" && parts.Length > 1) unexpected.Add(parts[1]);
                }
            }
        }

        return (counts, cpu, seconds, pgCpu, commits, string.Join(",", unexpected.Distinct()));
    }

    /// <summary>
    /// One child process: a warm-up on the warm-up database, then its own partitioned log object (unsigned: the parent signs)
    /// and gate over the run's chains, C callers, from the go file on.
    /// </summary>
    public static async Task<int> ChildAsync(string connection, string warmConnection, string policyFile, int process, RunSettings s)
    {
        var policy = PolicyLoader.Load(await File.ReadAllTextAsync(policyFile)).GetPolicyOrThrow();
        await WarmUpAsync(warmConnection, policy, s, process);
        await using var log = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, s.Partitions, new PartitionedAuditLogOptions { Origin = Origin });
        await using var gate = await PartitionedGate.CreateAsync(policy, log);
        await File.WriteAllTextAsync($"{policyFile}.{I(process)}.ready", "");
        while (!File.Exists(policyFile + ".go")) await Task.Delay(2);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (counts, unexpected) = await Workload.RunAsync(gate, s.Workload, process, s.Callers, PrincipalOf(s, process, gate), s.Duration, s.Budget);
        Console.WriteLine($"cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds.ToString(CultureInfo.InvariantCulture)}");
        for (var i = 0; i < counts.Length; i++) Console.WriteLine($"count {Workload.Counters[i]} {counts[i].ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"unexpected {unexpected}");
        await File.WriteAllTextAsync($"{policyFile}.{I(process)}.done", "");
        while (!File.Exists(policyFile + ".stop")) await Task.Delay(2);
        return 0;
    }

    /// <summary>
    /// The workload on the warm-up database's chains for <see cref="RunSettings.Warmup"/>, then on until the JIT is quiet
    /// (what a long-running instance has done already): those calls are neither counted nor in the run's log.
    /// </summary>
    private static async Task WarmUpAsync(string warmConnection, CompiledPolicy policy, RunSettings s, int process)
    {
        if (s.Warmup <= TimeSpan.Zero) return;
        await using var log = await PostgreSqlPartitionedAuditLog.OpenAsync(warmConnection, s.Partitions, new PartitionedAuditLogOptions { Origin = Origin });
        await using var gate = await PartitionedGate.CreateAsync(policy, log);
        var principalOf = PrincipalOf(s, process, gate);
        var clock = Stopwatch.StartNew();
        await Workload.RunAsync(gate, s.Workload, process, s.Callers, principalOf, s.Warmup, long.MaxValue);
        await LoadDriver.JitQuiet.WaitAsync(() => Workload.RunAsync(gate, s.Workload, process, s.Callers, principalOf, TimeSpan.FromSeconds(1), long.MaxValue),
            clock);
    }

    /// <summary>Whom caller c of <paramref name="process"/> invokes as (<see cref="LoadPolicy.Principal"/>), routed by <paramref name="gate"/>.</summary>
    private static Func<int, string> PrincipalOf(RunSettings s, int process, PartitionedGate gate) =>
        c => LoadPolicy.Principal(s.Principals, process, c, s.Processes, gate.ChainOf, gate.Chains);

    /// <summary>Every worker principal of the run, for the policy: routed on an in-memory log of as many chains.</summary>
    private static async Task<IEnumerable<string>> WorkersAsync(RunSettings s)
    {
        await using var log = PartitionedAuditLog.InMemory(s.Partitions);
        await using var router = await PartitionedGate.CreateAsync(PolicyLoader.Load(LoadPolicy.Base).GetPolicyOrThrow(), log);
        return [.. Enumerable.Range(0, s.Processes).SelectMany(p => Enumerable.Range(0, s.Callers).Select(PrincipalOf(s, p, router)))];
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
