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
}
