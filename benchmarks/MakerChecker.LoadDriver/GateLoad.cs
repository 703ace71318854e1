using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Verification;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;

namespace MakerChecker.LoadDriver;

/// <summary>
/// <c>gates</c>: P child processes, each a gate over one PostgreSQL chain with C concurrent callers, invoke for a fixed
/// time (at most 55 s, so every invocation falls in one minute of the limit). Most calls invoke <c>load.run@1</c> as
/// <c>load-bot</c> (a limit far above the load; with <c>--principals per-process</c>, each process as its own
/// <c>load-bot-pN</c>, so that its batches do not depend on the other processes' events), one in <see cref="CappedEvery"/> invokes <c>load.capped@1</c> as
/// <c>capped-bot</c>, limited to <see cref="CappedPerMinute"/> a minute across the fleet (another principal: a batch's
/// budget is per principal over all its skills, see docs/gates.md). Afterwards the chain is
/// verified, the capped skill must have been allowed exactly <see cref="CappedPerMinute"/> times (when tried that
/// often), and every allowed invocation must have exactly one outcome.
/// </summary>
internal static class GateLoad
{
    public const int CappedPerMinute = 40;
    public const int CappedEvery = 25;

    public static readonly string Policy = """
        policy:
          name: load
          version: "1"
        skills:
          - skill: load.run
            versions: [1]
            risk: low
          - skill: load.capped
            versions: [1]
            risk: low
        roles:
          - role: loader
            grants:
              - skill: load.run@1
                limits:
                  per_minute: 1000000
              - skill: load.capped@1
                limits:
                  per_minute: 40
        principals:
          - id: load-bot
            kind: human
            role: loader
          - id: capped-bot
            kind: human
            role: loader
        """ + PerProcessPrincipals();

    /// <summary>One principal per child process (at most 16), for <c>--principals per-process</c>.</summary>
    private static string PerProcessPrincipals() => string.Concat(Enumerable.Range(0, 16).Select(p =>
        $"\n  - id: load-bot-p{p}\n    kind: human\n    role: loader"));

    public static async Task<int> RunAsync(string connectionString, int processes, int callers, TimeSpan duration, bool principalPerProcess,
        TimeSpan warmup, Func<Dictionary<long, long>>? serverCpu)
    {
        if (duration > TimeSpan.FromSeconds(55)) throw new ArgumentOutOfRangeException(nameof(duration), "at most 55 s, so the limit check covers one minute");
        var dir = Directory.CreateTempSubdirectory("mc-load-gates-").FullName;
        try
        {
            var policyFile = Path.Combine(dir, "policy.yaml");
            await File.WriteAllTextAsync(policyFile, Policy);
            foreach (var chain in warmup > TimeSpan.Zero ? [connectionString, await WarmUpChainAsync(connectionString)] : new[] { connectionString })
            {
                // The policy is activated once, before the children start, so that they do not race to activate it.
                await using var store = await PostgreSqlAuditStore.OpenAsync(chain);
                await using var gate = await ApprovalGate.CreateAsync(PolicyLoader.Load(Policy).GetPolicyOrThrow(), store);
            }

            var self = typeof(GateLoad).Assembly.Location;
            var children = Enumerable.Range(0, processes).Select(p =>
            {
                var tag = "p" + p.ToString(CultureInfo.InvariantCulture);
                var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { self, "gate-child", connectionString, policyFile, tag, callers.ToString(CultureInfo.InvariantCulture),
                    duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), principalPerProcess ? "per-process" : "shared",
                    warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture) })
                {
                    info.ArgumentList.Add(a);
                }

                var child = Process.Start(info)!;
                return (Tag: tag, Process: child, Out: child.StandardOutput.ReadToEndAsync(), Err: child.StandardError.ReadToEndAsync());
            }).ToList();

            while (!children.All(c => File.Exists($"{policyFile}.{c.Tag}.ready")) && !children.Any(c => c.Process.HasExited))
            {
                await Task.Delay(20);
            }

            var loadBefore = LoadAverage();
            var serverBefore = serverCpu?.Invoke();
            var clock = Stopwatch.StartNew();
            await File.WriteAllTextAsync(policyFile + ".go", "");

            // The children wait, connections open, until the server's CPU is read: a backend that exits takes its time with it.
            while (!children.All(c => File.Exists($"{policyFile}.{c.Tag}.done")) && !children.Any(c => c.Process.HasExited))
            {
                await Task.Delay(20);
            }

            var elapsed = clock.Elapsed;
            TimeSpan? serverUsed = serverBefore is { } start ? ThrowawayCluster.Used(start, serverCpu!()) : null;
            var loadAfter = LoadAverage();
            await File.WriteAllTextAsync(policyFile + ".stop", "");
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            var micros = new List<long>();
            var failed = false;
            foreach (var (tag, child, output, error) in children)
            {
                using (child)
                {
                    await child.WaitForExitAsync();
                    if (child.ExitCode != 0)
                    {
                        Console.Error.WriteLine($"{tag} failed ({child.ExitCode}): {await error}");
                        failed = true;
                        continue;
                    }

                    foreach (var line in (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        var parts = line.Split(' ');
                        if (parts[0] == "count") counts[parts[1]] = counts.GetValueOrDefault(parts[1]) + long.Parse(parts[2], CultureInfo.InvariantCulture);
                        if (parts[0] == "us") micros.AddRange(parts.Skip(1).Select(s => long.Parse(s, CultureInfo.InvariantCulture)));
                    }
                }
            }

            if (failed) return 1;
            var latency = Latencies.FromMicroseconds(micros);
            var allowed = counts.GetValueOrDefault("allowed");
            Console.WriteLine(
                $"gates: {processes} processes x {callers} callers, {allowed} allowed invocations in {elapsed.TotalSeconds:0.00} s: " +
                $"{allowed / elapsed.TotalSeconds:0} allowed/s; latency p50 {latency.Ms(0.50)} ms, p99 {latency.Ms(0.99)} ms; " +
                string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Where(c => c.Key is not ("cpu_us" or "warmup_ms"))
                    .Select(c => $"{c.Key} {c.Value}")));
            var gatesCpu = TimeSpan.FromMicroseconds(counts.GetValueOrDefault("cpu_us"));
            var perInvocation = allowed == 0
                ? "-"
                : ((gatesCpu + (serverUsed ?? TimeSpan.Zero)).TotalMicroseconds / allowed).ToString("0", CultureInfo.InvariantCulture);
            var server = serverUsed is { } used ? $"{used.TotalSeconds:0.00} s" : "not measured (--connection)";
            Console.WriteLine(
                $"cpu during the run: gate processes {gatesCpu.TotalSeconds:0.00} s, PostgreSQL {server}; " +
                $"{perInvocation} us per allowed invocation; load average {loadBefore} before, {loadAfter} after (" +
                (warmup > TimeSpan.Zero
                    ? $"warm-up before the run: {counts.GetValueOrDefault("warmup_ms") / 1000.0 / processes:0.0} s a process, until the JIT was " +
                      "quiet)"
                    : "no warm-up: the run includes the JIT)"));
            return await CheckAsync(connectionString, counts) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The chain verifies; the capped skill was allowed exactly its limit (or every time it was tried); one outcome per allowed invocation.</summary>
    private static async Task<bool> CheckAsync(string connectionString, Dictionary<string, long> counts)
    {
        await using var store = await PostgreSqlAuditStore.OpenReadOnlyAsync(connectionString);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        var allowedBySkill = new Dictionary<string, long>(StringComparer.Ordinal);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var allowedIds = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in store.ReadAsync())
        {
            if (e.EventType == "decision.allowed")
            {
                var skill = e.Payload.GetProperty("skill").GetString()!;
                allowedBySkill[skill] = allowedBySkill.GetValueOrDefault(skill) + 1;
                allowedIds.Add(e.EntityId!);
            }
            else if (e.EventType is "action.executed" or "action.failed")
            {
                outcomes[e.EntityId!] = outcomes.GetValueOrDefault(e.EntityId!) + 1;
            }
        }

        var capped = allowedBySkill.GetValueOrDefault("load.capped@1");
        var cappedTried = counts.GetValueOrDefault("capped_tried");
        var limitHeld = capped == Math.Min(CappedPerMinute, cappedTried);
        var onceEach = allowedIds.Count == outcomes.Count && allowedIds.All(id => outcomes.GetValueOrDefault(id) == 1);
        var allowedMatches = allowedIds.Count == counts.GetValueOrDefault("allowed");
        Console.WriteLine(
            $"check: chain {(verdict.IsValid ? "valid" : "INVALID: " + verdict.Reason)} ({verdict.EventCount} events); " +
            $"load.capped@1 allowed {capped} of {cappedTried} tried (limit {CappedPerMinute}/min): {(limitHeld ? "exact" : "WRONG")}; " +
            $"{allowedIds.Count} allowed invocations in the log, each with one outcome: {(onceEach ? "yes" : "NO")}; " +
            $"log agrees with the callers: {(allowedMatches ? "yes" : "NO")}");
        return verdict.IsValid && limitHeld && onceEach && allowedMatches;
    }

    /// <summary>
    /// One child process: after a warm-up on another chain (JIT, connections, prepared statements: what a long-running
    /// instance has done already), a gate and C callers on the run's chain, from the go file until the duration has passed.
    /// Reports its counts, latencies and the CPU it used during the run.
    /// </summary>
    public static async Task<int> ChildAsync(string connectionString, string policyFile, string tag, int callers, TimeSpan duration,
        bool principalPerProcess, TimeSpan warmup)
    {
        var loader = principalPerProcess ? "load-bot-" + tag : "load-bot";
        var policy = PolicyLoader.Load(await File.ReadAllTextAsync(policyFile)).GetPolicyOrThrow();
        if (warmup > TimeSpan.Zero) await WarmUpAsync(connectionString, policy, callers, loader, warmup);
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        await using var gate = new ApprovalGate(policy, store);
        await gate.InitializeAsync();
        await File.WriteAllTextAsync($"{policyFile}.{tag}.ready", "");
        while (!File.Exists(policyFile + ".go"))
        {
            await Task.Delay(2);
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (counts, latencies, ran) = await CallAsync(gate, callers, loader, duration);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        await File.WriteAllTextAsync($"{policyFile}.{tag}.done", "");
        if (ran != counts[0]) throw new InvalidOperationException($"{ran} actions ran for {counts[0]} allowed invocations");
        Console.WriteLine($"count allowed {counts[0]}");
        Console.WriteLine($"count limit_exceeded {counts[1]}");
        Console.WriteLine($"count other {counts[2]}");
        Console.WriteLine($"count capped_tried {counts[3]}");
        Console.WriteLine($"count cpu_us {(long)cpu.TotalMicroseconds}");
        Console.WriteLine("us " + string.Join(' ', latencies.Microseconds));
        while (!File.Exists(policyFile + ".stop"))
        {
            await Task.Delay(2);
        }

        return 0;
    }

    /// <summary>
    /// Creates the warm-up chain (a schema next to the run's) and returns its connection string: every process warms up on
    /// it together, so that the paths a shared chain takes (batches written past other processes' events) are compiled too.
    /// </summary>
    private static async Task<string> WarmUpChainAsync(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        builder.SearchPath += "_warm";
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new Npgsql.NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {builder.SearchPath}", connection);
        await create.ExecuteNonQueryAsync();
        return builder.ConnectionString;
    }

    /// <summary>The same load on the warm-up chain for <paramref name="warmup"/>, then on until the JIT has gone quiet (<see cref="JitQuiet"/>).</summary>
    private static async Task WarmUpAsync(string connectionString, CompiledPolicy policy, int callers, string loader, TimeSpan warmup)
    {
        await using var store = await PostgreSqlAuditStore.OpenAsync(await WarmUpChainAsync(connectionString));
        await using var gate = new ApprovalGate(policy, store);
        await gate.InitializeAsync();
        var clock = Stopwatch.StartNew();
        await CallAsync(gate, callers, loader, warmup);
        await JitQuiet.WaitAsync(() => CallAsync(gate, callers, loader, TimeSpan.FromSeconds(1)), clock);
        Console.WriteLine($"count warmup_ms {clock.ElapsedMilliseconds}");
    }

    /// <summary>C callers invoking on <paramref name="gate"/> until <paramref name="duration"/> has passed.</summary>
    private static async Task<(long[] Counts, Latencies Latencies, long Ran)> CallAsync(ApprovalGate gate, int callers, string loader, TimeSpan duration)
    {
        var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1009", ["amount"] = 125.5 } };
        var clock = Stopwatch.StartNew();
        var counts = new long[4]; // allowed, limit_exceeded, other, capped_tried
        var latencies = Enumerable.Range(0, callers).Select(_ => new Latencies()).ToArray();
        var ran = 0L;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                var capped = n % CappedEvery == CappedEvery - 1;
                if (capped) Interlocked.Increment(ref counts[3]);
                var started = Stopwatch.GetTimestamp();
                var result = await gate.InvokeAsync(capped ? "capped-bot" : loader, capped ? "load.capped@1" : "load.run@1", payload, _ =>
                {
                    Interlocked.Increment(ref ran);
                    return ValueTask.CompletedTask;
                });
                var slot = result.Outcome == DecisionOutcome.Allowed ? 0 : result.ReasonCode == ReasonCodes.LimitExceeded ? 1 : 2;
                Interlocked.Increment(ref counts[slot]);
                if (slot == 0) latencies[c].Add(Stopwatch.GetTimestamp() - started);
            }
        })));
        return (counts, Latencies.Merge(latencies), ran);
    }

    /// <summary>The 1-minute load average, from /proc/loadavg.</summary>
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
