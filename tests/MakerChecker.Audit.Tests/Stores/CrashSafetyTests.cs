using System.Diagnostics;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Transparency;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;
using Xunit.Abstractions;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// A child process (MakerChecker.Audit.CrashHost) appends in a loop and is killed with SIGKILL at random moments.
/// After each kill the log must reopen, verify, and hold every event whose append had returned.
/// </summary>
/// <remarks>
/// Each kill comes a random few milliseconds after evidence that the child got as far as the test needs (acknowledged
/// events, a signed checkpoint), never after a fixed delay from its start: on a loaded machine the child may get almost
/// no CPU in those milliseconds, and each test must assert the same thing on every run.
/// </remarks>
public class CrashSafetyTests(ITestOutputHelper output)
{
    private const int Kills = 50;
    private const int CheckpointKills = 12;
    private const int ReopenKills = 32;
    private static readonly TimeSpan EvidenceTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Killed_writers_never_lose_an_acknowledged_event()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        var random = new Random(20261123);
        var acknowledged = new Dictionary<long, string>();
        var torn = 0;
        for (var kill = 0; kill < Kills; kill++)
        {
            var policy = kill % 2 == 0 ? AuditFsyncPolicy.GroupCommit : AuditFsyncPolicy.PerAppend;
            var sizeBefore = File.Exists(path) ? new FileInfo(path).Length : 0;
            var run = await RunAndKillAsync(path, policy, appenders: 1 + random.Next(8), killAfterMs: random.Next(1, 40), waitForAcks: 2);
            foreach (var (seq, hash) in run.Acks)
            {
                acknowledged[seq] = hash;
            }

            var text = File.ReadAllBytes(path);
            if (text.Length > 0 && text[^1] != (byte)'\n')
            {
                torn++;
            }

            await using var store = await FileAuditStore.OpenAsync(path);
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, $"after kill {kill}: {verdict}");
            var stored = await store.ReadAsync().ToDictionaryAsync(e => e.Seq, e => e.Hash);
            foreach (var (seq, hash) in acknowledged)
            {
                Assert.True(stored.TryGetValue(seq, out var actual) && actual == hash,
                    $"after kill {kill} ({policy}): acknowledged event seq {seq} is missing or changed (log had {sizeBefore} bytes before)");
            }
        }

        output.WriteLine($"{Kills} kills, {acknowledged.Count} acknowledged events, {torn} torn final lines repaired");
        Assert.True(acknowledged.Count > Kills, "the child should have acknowledged events before most kills");
    }

    [Fact]
    public async Task Killed_checkpointing_writers_never_leave_a_signed_checkpoint_ahead_of_the_log()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        var key = dir.File("checkpoint-key.pem");
        Ed25519KeyFile.Create(key, dir.File("checkpoint-key.pub.pem"));
        using var signer = Ed25519KeyFile.LoadSigner(key);
        var random = new Random(20261124);
        var acknowledged = new Dictionary<long, string>();
        long checkpointed = 0;
        var signedByChild = 0;
        var history = path + CheckpointedAuditStore.HistoryFileSuffix;
        for (var kill = 0; kill < CheckpointKills; kill++)
        {
            var policy = kill % 2 == 0 ? AuditFsyncPolicy.GroupCommit : AuditFsyncPolicy.PerAppend;

            // The child signs every 5 events. It is killed only after a new whole line has reached the checkpoint history
            // (the signer writes and fsyncs it before the append that signed returns), so every run kills a child that had
            // signed: a kill after 1-40 ms alone left too few appends on a loaded machine, and then no checkpoint at all.
            var signedLines = CountLines(history);
            var run = await RunAndKillAsync(path, policy, appenders: 1 + random.Next(6), killAfterMs: random.Next(1, 40), key,
                evidence: ("a newly signed checkpoint in " + history, () => CountLines(history) > signedLines));
            foreach (var (seq, hash) in run.Acks)
            {
                acknowledged[seq] = hash;
            }

            // Opening refuses a log shorter than, or diverging from, its latest signed checkpoint.
            var options = new CheckpointedAuditStoreOptions { Signer = signer };
            await using var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(path), options);
            var events = await store.ReadAsync().ToListAsync();
            Assert.Equal(events.Count, store.TreeSize);
            var latest = store.LatestCheckpoint;
            if (latest is not null)
            {
                Assert.True(latest.Checkpoint.Size <= events.Count, $"after kill {kill}: checkpoint {latest} is ahead of the {events.Count} events on disk");
                Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(store, latest.Checkpoint.Size), latest.Checkpoint.Root);
                Assert.True(SignedCheckpoint.TryOpen(latest.NoteText, [store.VerifierKey], out _, out var failure), failure);
                signedByChild += latest.Checkpoint.Size > checkpointed ? 1 : 0;
                checkpointed = latest.Checkpoint.Size;
            }

            Assert.All(acknowledged, a => Assert.Equal(a.Value, events[(int)a.Key - 1].Hash));

            // Closing signs a checkpoint of everything, so the next child starts from a checkpointed log.
            await store.DisposeAsync();
            checkpointed = events.Count;
        }

        output.WriteLine($"{CheckpointKills} kills, {acknowledged.Count} acknowledged events, {signedByChild} times the child had signed a newer checkpoint");
        Assert.True(signedByChild == CheckpointKills,
            $"every child had signed a newer checkpoint before its kill, but only {signedByChild} of {CheckpointKills} were there after it");
    }

    /// <summary>
    /// The child opens the log, appends a few events, closes it, leaves a torn start of the next row and opens it again,
    /// over and over, and is killed at random moments: before its first open (while a new log's genesis is written),
    /// during an open's verification or its recovery of the torn row, or mid-append. After each kill the log must open
    /// again, hold every acknowledged event and keep every whole row it had (recovery never wipes), and verify.
    /// </summary>
    [Fact]
    public async Task Writers_killed_during_open_and_recovery_never_lose_or_wipe_an_event()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        var random = new Random(20261130);
        var acknowledged = new Dictionary<long, string>();
        int duringOpen = 0, beforeAnyAck = 0;
        for (var kill = 0; kill < ReopenKills; kill++)
        {
            var policy = kill % 2 == 0 ? AuditFsyncPolicy.GroupCommit : AuditFsyncPolicy.PerAppend;

            // One kill in four comes at a random moment after start-up, not after the first acknowledgement: the first
            // of them, on no file at all, lands in the creation of the log.
            var early = kill % 4 == 0;
            var killAfterMs = early ? random.Next(0, 300) : random.Next(1, 40);
            var run = await RunAndKillAsync(path, policy, appenders: 1 + random.Next(4), killAfterMs, reopen: true, waitForAcks: early ? 0 : 2);
            duringOpen += run.LastMarker == "opening" ? 1 : 0;
            beforeAnyAck += run.Acks.Count == 0 ? 1 : 0;
            foreach (var (seq, hash) in run.Acks)
            {
                acknowledged[seq] = hash;
            }

            var before = File.Exists(path) ? await File.ReadAllBytesAsync(path) : [];
            var wholeRows = before.AsSpan(0, before.AsSpan().LastIndexOf((byte)'\n') + 1).ToArray();
            await using var store = await FileAuditStore.OpenAsync(path);
            var after = await File.ReadAllBytesAsync(path);
            if (wholeRows.Length > 0)
            {
                Assert.True(after.AsSpan().SequenceEqual(wholeRows),
                    $"after kill {kill}: opening changed more than the torn tail ({before.Length} -> {after.Length} bytes)");
            }

            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, $"after kill {kill}: {verdict}");
            var stored = await store.ReadAsync().ToDictionaryAsync(e => e.Seq, e => e.Hash);
            foreach (var (seq, hash) in acknowledged)
            {
                Assert.True(stored.TryGetValue(seq, out var actual) && actual == hash,
                    $"after kill {kill} ({policy}): acknowledged event seq {seq} is missing or changed");
            }
        }

        output.WriteLine(
            $"{ReopenKills} kills: {duringOpen} during an open or its recovery, {beforeAnyAck} before any acknowledgement; " +
            $"{acknowledged.Count} acknowledged events");
        Assert.True(duringOpen > 0, "no kill landed during an open: the test did not test what it claims");
        Assert.True(acknowledged.Count > ReopenKills, "the child should have acknowledged events before most kills");
    }

    private static async Task<(List<(long Seq, string Hash)> Acks, string? LastMarker)> RunAndKillAsync(
        string path, AuditFsyncPolicy policy, int appenders, int killAfterMs, string? checkpointKey = null, bool reopen = false, int waitForAcks = 1,
        (string What, Func<bool> Seen)? evidence = null)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.CrashHost.dll");
        // The same dotnet host that runs the tests (testhost runs under it), so PATH does not matter.
        var dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var info = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(host);
        info.ArgumentList.Add(path);
        info.ArgumentList.Add(policy.ToString());
        info.ArgumentList.Add(appenders.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (checkpointKey is not null)
        {
            info.ArgumentList.Add(checkpointKey);
        }

        if (reopen)
        {
            info.ArgumentList.Add("reopen");
        }

        using var child = Process.Start(info)!;

        // The redirected pipes are read on their own threads: a blocking read must never hold up the kill.
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = Task.Run(child.StandardError.ReadToEnd);
        string? lastMarker = null;
        var acks = Task.Run(() =>
        {
            var result = new List<(long, string)>();
            string? line;
            while ((line = child.StandardOutput.ReadLine()) is not null)
            {
                if (line is "opening" or "opened")
                {
                    lastMarker = line;
                }

                // A line cut by the kill has no complete 64-digit hash and is ignored.
                var parts = line.Split(' ');
                if (parts is ["ack", var seq, var hash] && hash.Length == 64)
                {
                    result.Add((long.Parse(seq, System.Globalization.CultureInfo.InvariantCulture), hash));
                    if (result.Count >= waitForAcks)
                    {
                        enoughAcks.TrySetResult();
                    }
                }
            }

            enoughAcks.TrySetResult();
            return result;
        });

        // Once the child has acknowledged enough events (and shown the evidence asked for), kill it a random few
        // milliseconds later, mid-stream. Both waits are bounded: a child that never gets there fails the test, saying so.
        var deadline = Stopwatch.StartNew();
        if (waitForAcks > 0)
        {
            await Task.WhenAny(enoughAcks.Task, Task.Delay(EvidenceTimeout));
        }

        var seen = evidence is null;
        while (!seen && !child.HasExited && deadline.Elapsed < EvidenceTimeout)
        {
            await Task.Delay(2);
            seen = evidence!.Value.Seen();
        }

        await Task.Delay(killAfterMs);
        child.Kill(); // SIGKILL on Unix: no finally blocks, no flushing; the kernel releases the lock.
        await child.WaitForExitAsync();
        var acknowledged = await acks;
        Assert.True(acknowledged.Count >= waitForAcks,
            $"the crash host acknowledged {acknowledged.Count} of the {waitForAcks} events waited for: {await stderr}");
        Assert.True(seen, $"the crash host showed no {evidence?.What} within {EvidenceTimeout.TotalSeconds} s: {await stderr}");
        return (acknowledged, lastMarker);
    }

    /// <summary>The whole lines in a file the child may be writing (0 before it exists).</summary>
    private static int CountLines(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var bytes = new MemoryStream();
        file.CopyTo(bytes);
        return bytes.GetBuffer().AsSpan(0, (int)bytes.Length).Count((byte)'\n');
    }
}
