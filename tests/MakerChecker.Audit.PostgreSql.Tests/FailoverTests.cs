using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Xunit.Abstractions;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// PostgreSQL with a synchronous streaming standby (two throwaway clusters, <see cref="ReplicatedPostgres"/>), several
/// processes appending and calling gates over a multi-host connection string, <c>kill -9</c> of the primary's postmaster,
/// <c>pg_ctl promote</c> of the standby: the writers reconnect and go on, and afterwards the promoted database holds every
/// event any caller was told was recorded, the chain verifies, no action ran twice, no limit was exceeded, and every
/// started action has exactly one ending. Every wait is on a condition with a generous deadline, never on a timing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(ITestOutputHelper output)
{
    private const int Processes = 3;
    private const int PerMinute = 20;
    private const int SharedRequests = 4;

    // Approved requests need one reviewer and no review floor, so that the processes open and approve them as they go.
    private const string Policy = """
        policy:
          name: failover
          version: "1"
        skills:
          - skill: coverage.flag
            versions: [1]
            risk: low
          - skill: coverage.deny
            versions: [1]
            risk: high
        roles:
          - role: screener
            grants:
              - skill: coverage.flag@1
                limits:
                  per_minute: 20
              - skill: coverage.deny@1
                gate:
                  approvers: 1
                  approver_roles: [reviewer]
                  expires_after: 1h
          - role: reviewer
        principals:
          - id: ops.lead
            kind: human
            role: screener
          - id: screener-bot
            kind: agent
            role: screener
            owner: ops.lead
          - id: dr.a
            kind: human
            role: reviewer
        """;

    public static string? StoreSkipReason => ReplicatedPostgres.SkipReason;

    [StoreFact]
    public async Task After_kill_9_of_the_primary_and_promotion_of_the_synchronous_standby_nothing_acknowledged_is_lost_and_nothing_ran_twice()
    {
        var dir = Directory.CreateTempSubdirectory("mc-failover-").FullName;
        var children = new List<(Process Process, Task<string> Out, Task<string> Err)>();
        try
        {
            await using var pair = await ReplicatedPostgres.StartAsync();
            await File.WriteAllTextAsync(Path.Combine(dir, "policy.yaml"), Policy);
            await OpenSharedRequestsAsync(pair.FailoverConnectionString, Path.Combine(dir, "shared-requests.txt"));

            var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.FailoverHost.dll");
            for (var p = 0; p < Processes; p++)
            {
                children.Add(Start("dotnet", host, pair.FailoverConnectionString, Tag(p), dir));
            }

            await ReplicatedPostgres.WaitForAsync("every process to read the log", () =>
                Task.FromResult(Enumerable.Range(0, Processes).All(p => File.Exists(Path.Combine(dir, Tag(p) + ".ready"))) || Exited(children)));
            AssertRunning(children);
            await ReplicatedPostgres.WaitForAsync("every process to be acknowledged 20 events", () => Task.FromResult(AllAcked(dir, 20) || Exited(children)));
            AssertRunning(children);

            var clock = Stopwatch.StartNew();
            var failedBefore = Enumerable.Range(0, Processes).Select(p => Count(dir, p, "error ")).ToArray();
            await pair.KillPrimaryAsync();
            var killed = clock.Elapsed;
            // Promote only once every process has seen a call fail for want of a primary, so that each goes through recovery.
            await ReplicatedPostgres.WaitForAsync("every process to see a call fail with no primary", () =>
                Task.FromResult(Enumerable.Range(0, Processes).All(p => Count(dir, p, "error ") > failedBefore[p]) || Exited(children)));
            AssertRunning(children);
            var promoting = clock.Elapsed;
            await pair.PromoteStandbyAsync();
            var promoted = clock.Elapsed;
            var atPromotion = Enumerable.Range(0, Processes).Select(p => Acked(dir, p)).ToArray();
            TimeSpan? firstAfter = null;
            await ReplicatedPostgres.WaitForAsync("every process to be acknowledged 20 more events on the promoted standby", () =>
            {
                var now = Enumerable.Range(0, Processes).Select(p => Acked(dir, p)).ToArray();
                if (firstAfter is null && now.Zip(atPromotion).Any(n => n.First > n.Second)) firstAfter = clock.Elapsed;
                return Task.FromResult(now.Zip(atPromotion).All(n => n.First >= n.Second + 20) || Exited(children));
            });
            AssertRunning(children);
            var recovered = clock.Elapsed;

            await File.WriteAllTextAsync(Path.Combine(dir, "stop"), "");
            foreach (var (child, stdout, stderr) in children)
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                await child.WaitForExitAsync(deadline.Token);
                Assert.True(child.ExitCode == 0, $"a process failed ({child.ExitCode}): {await stderr}");
                Assert.Equal("done", (await stdout).Trim());
            }

            var evidence = await ReadEvidenceAsync(pair.StandbyConnectionString, dir);
            Assert.All(Enumerable.Range(0, Processes), p => Assert.Contains("settled", File.ReadAllLines(Path.Combine(dir, Tag(p) + ".acks"))));
            evidence.EveryFailureWasAnAuditStoreException();
            evidence.EveryAcknowledgedEventIsInTheLog();
            evidence.NoActionRanTwiceAndEachRunIsRecordedOnce();
            evidence.EveryStartedActionHasExactlyOneEnding();
            evidence.NoLimitExceeded("coverage.flag@1", PerMinute);

            var tool = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Cli.dll");
            var cli = Start("dotnet", tool, "audit", "verify", "postgres:" + pair.StandbyConnectionString);
            await cli.Process.WaitForExitAsync();
            Assert.True(cli.Process.ExitCode == 0, $"makerchecker audit verify failed: {await cli.Out}{await cli.Err}");
            cli.Process.Dispose();

            output.WriteLine(
                $"acknowledged {evidence.Acknowledged} events ({atPromotion.Sum()} before promotion); primary killed at {killed.TotalSeconds:F2} s " +
                $"(every process had seen a call fail by {promoting.TotalSeconds:F2} s), " +
                $"standby promoted at {promoted.TotalSeconds:F2} s, first acknowledgement after it at {firstAfter?.TotalSeconds:F2} s, " +
                $"every process 20 more by {recovered.TotalSeconds:F2} s; " +
                $"errors seen by callers: {evidence.Lines.Count(l => l.StartsWith("error ", StringComparison.Ordinal))}");
        }
        finally
        {
            foreach (var (child, _, _) in children)
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
                child.Dispose();
            }

            // What the callers were told, in short, for whoever reads a failure.
            foreach (var file in Directory.GetFiles(dir, "*.acks"))
            {
                var lines = File.ReadAllLines(file);
                var acknowledged = lines.Count(l => l.StartsWith("ack ", StringComparison.Ordinal));
                output.WriteLine($"{Path.GetFileName(file)}: {acknowledged} acknowledged, last: {lines.LastOrDefault()}");
                foreach (var error in lines.Where(l => l.StartsWith("error ", StringComparison.Ordinal)).GroupBy(l => l.Length > 160 ? l[..160] : l).Take(8))
                {
                    output.WriteLine($"  {error.Count()} x {error.Key}");
                }
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Tag(int process) => "proc-" + process.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opens and approves requests every process then races to execute, and lists them ("id subject" per line).</summary>
    private static async Task OpenSharedRequestsAsync(string connectionString, string file)
    {
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        await using var gate = new ApprovalGate(PolicyLoader.Load(Policy).GetPolicyOrThrow(), store);
        var lines = new List<string>();
        for (var k = 0; k < SharedRequests; k++)
        {
            var subject = $"claim:shared-{k.ToString(CultureInfo.InvariantCulture)}";
            var claim = new JsonObject { ["claim"] = new JsonObject { ["id"] = subject } };
            var opened = await gate.InvokeAsync("screener-bot", "coverage.deny@1", claim, _ => throw new InvalidOperationException("ran at invocation"),
                subject: subject);
            var id = opened.Request!.Id;
            Assert.Equal(Decisions.ReasonCodes.Presented, (await gate.PresentAsync(id, "dr.a")).ReasonCode);
            Assert.Equal(Decisions.ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "dr.a", "checked")).ReasonCode);
            lines.Add($"{id} {subject}");
        }

        await File.WriteAllLinesAsync(file, lines);
    }

    private static async Task<FailoverEvidence> ReadEvidenceAsync(string connectionString, string dir)
    {
        await using var store = await PostgreSqlAuditStore.OpenReadOnlyAsync(connectionString);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        var log = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(1)) log.Add(e);
        var acks = Enumerable.Range(0, Processes).ToDictionary(Tag, p => File.ReadAllLines(Path.Combine(dir, Tag(p) + ".acks")));
        return new FailoverEvidence(log, acks);
    }

    private static int Acked(string dir, int process) => Count(dir, process, "ack ");

    /// <summary>How many lines of a process's acknowledgement file start with <paramref name="prefix"/> so far.</summary>
    private static int Count(string dir, int process, string prefix)
    {
        var file = Path.Combine(dir, Tag(process) + ".acks");
        if (!File.Exists(file)) return 0;
        using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal)) count++;
        }

        return count;
    }

    private static bool AllAcked(string dir, int atLeast) => Enumerable.Range(0, Processes).All(p => Acked(dir, p) >= atLeast);

    private static bool Exited(List<(Process Process, Task<string> Out, Task<string> Err)> children) => children.Any(c => c.Process.HasExited);

    private static void AssertRunning(List<(Process Process, Task<string> Out, Task<string> Err)> children)
    {
        foreach (var (child, _, stderr) in children)
        {
            Assert.False(child.HasExited, $"a process exited early ({(child.HasExited ? child.ExitCode : 0)}): {(child.HasExited ? stderr.Result : "")}");
        }
    }

    private static (Process Process, Task<string> Out, Task<string> Err) Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        return (process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }
}
