using System.Diagnostics;
using System.Globalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// Runs several child processes that append to one shared log at the same time, then checks the log: exactly the
/// events they appended (each once), on one valid chain.
/// </summary>
public static class ManyProcesses
{
    /// <summary>Starts the processes, waits for all of them, and checks the result through <paramref name="store"/>.</summary>
    /// <param name="hostArguments">The command line of each process (after <c>dotnet</c>), given its tag.</param>
    /// <param name="processes">How many processes.</param>
    /// <param name="perProcess">How many events each appends; the host tags each event with its process tag as actor id and entity id <c>tag-n</c>.</param>
    /// <param name="store">A store over the same log, opened after the processes finished.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task RunAndCheckAsync(Func<string, IEnumerable<string>> hostArguments, int processes, int perProcess, Func<Task<IAuditStore>> store)
    {
        ArgumentNullException.ThrowIfNull(hostArguments);
        ArgumentNullException.ThrowIfNull(store);
        var tags = Enumerable.Range(0, processes).Select(p => $"proc-{p}").ToList();
        var children = tags.Select(tag =>
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in hostArguments(tag)) info.ArgumentList.Add(a);
            var child = Process.Start(info)!;
            return (Process: child, Out: child.StandardOutput.ReadToEndAsync(), Err: child.StandardError.ReadToEndAsync());
        }).ToList();

        foreach (var (child, output, error) in children)
        {
            using (child)
            {
                await child.WaitForExitAsync();
                Assert.True(child.ExitCode == 0, $"a writer process failed ({child.ExitCode}): {await error}");
                Assert.Equal($"done {perProcess.ToString(CultureInfo.InvariantCulture)}", (await output).Trim());
            }
        }

        await using var log = await store();
        var verdict = await AuditStoreVerifier.VerifyAsync(log);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal((processes * perProcess) + 1, verdict.EventCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in log.ReadAsync(2))
        {
            Assert.True(seen.Add(e.EntityId!), $"event {e.EntityId} was recorded twice");
        }

        var expected = tags.SelectMany(tag => Enumerable.Range(0, perProcess).Select(n => $"{tag}-{n.ToString(CultureInfo.InvariantCulture)}"));
        Assert.True(seen.SetEquals(expected), "some appended events are missing from the log");
    }

    /// <summary>
    /// Opens and approves a request through a gate over <paramref name="store"/>, then has several child processes (each
    /// a gate over the same log) execute it at once: the action runs in exactly one of them, and the log holds one
    /// <c>action.started</c>.
    /// </summary>
    /// <param name="hostArguments">The command line of each process (after <c>dotnet</c>), given its tag, the policy file and the request id.</param>
    /// <param name="processes">How many processes.</param>
    /// <param name="store">A store over the shared log; the caller disposes it.</param>
    /// <param name="policyFile">Where to write <see cref="GateTestPolicy.Text"/> for the processes; the processes' ready files and the go file are written beside it.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task RunGateExecutionsAndCheckAsync(Func<string, string, string, IEnumerable<string>> hostArguments, int processes, IAuditStore store, string policyFile)
    {
        ArgumentNullException.ThrowIfNull(hostArguments);
        ArgumentNullException.ThrowIfNull(store);
        await File.WriteAllTextAsync(policyFile, GateTestPolicy.Text);
        string requestId;
        // The processes run on the system clock; the request is opened and reviewed from now on a fake one (past min_review).
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using (var gate = new MakerChecker.Gates.ApprovalGate(GateTestPolicy.Load(), store, time))
        {
            requestId = await GateTestPolicy.OpenApprovedRequestAsync(gate, gate, gate, time);
        }

        var children = Enumerable.Range(0, processes).Select(p =>
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in hostArguments($"proc-{p.ToString(CultureInfo.InvariantCulture)}", policyFile, requestId)) info.ArgumentList.Add(a);
            var child = Process.Start(info)!;
            return (Process: child, Out: child.StandardOutput.ReadToEndAsync(), Err: child.StandardError.ReadToEndAsync());
        }).ToList();

        // Start them all at once: each replays the log, says it is ready, and executes on the go file.
        var tags = Enumerable.Range(0, processes).Select(p => $"proc-{p.ToString(CultureInfo.InvariantCulture)}").ToList();
        while (!tags.All(tag => File.Exists($"{policyFile}.{tag}.ready")) && !children.Any(c => c.Process.HasExited))
        {
            await Task.Delay(10);
        }

        await File.WriteAllTextAsync(policyFile + ".go", "");
        var outputs = new List<string[]>();
        foreach (var (child, output, error) in children)
        {
            using (child)
            {
                await child.WaitForExitAsync();
                Assert.True(child.ExitCode == 0, $"a gate process failed ({child.ExitCode}): {await error}");
                outputs.Add((await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        // The action prints "ran <tag>" before the gate's result: exactly one process ran it, every other was refused.
        Assert.Single(outputs, o => o.Length == 2 && o[0].StartsWith("ran proc-", StringComparison.Ordinal) && o[1] == "executed");
        Assert.Equal(processes - 1, outputs.Count(o => o.SequenceEqual(["already_executed"])));
        var started = 0;
        await foreach (var e in store.ReadAsync(1))
        {
            if (e.EventType == "action.started") started++;
        }

        Assert.Equal(1, started);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }
}
