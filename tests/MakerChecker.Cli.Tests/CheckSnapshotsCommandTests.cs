using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Policy;

namespace MakerChecker.Cli.Tests;

/// <summary><c>makerchecker audit check-snapshots</c>: every recorded gate snapshot hash against a replay from genesis.</summary>
public sealed class CheckSnapshotsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-snapshots-").FullName;

    private string Log => Path.Combine(_dir, "audit.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Exits_0_when_every_recorded_snapshot_matches_the_replay()
    {
        await WriteGateLogAsync(corrupt: false);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "check-snapshots", Log);

        Assert.True(exit == 0, error);
        Assert.Contains("2 gate snapshot(s) match the replay", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exits_1_naming_the_seq_whose_recorded_hash_the_replay_does_not_reproduce()
    {
        var wrong = await WriteGateLogAsync(corrupt: true);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "check-snapshots", Log);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains($"gate snapshot at seq {wrong}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_log_fails()
    {
        Assert.Equal(1, (await CliRunner.RunAsync("audit", "check-snapshots", Path.Combine(_dir, "missing.jsonl"))).ExitCode);
    }

    /// <summary>
    /// Two snapshots around a few decisions; with <paramref name="corrupt"/>, a third recorded with a wrong state hash
    /// (as a faulty writer would). Returns the seq of the last snapshot.
    /// </summary>
    private async Task<long> WriteGateLogAsync(bool corrupt)
    {
        var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
        await using var store = await FileAuditStore.OpenAsync(Log);
        var options = new GateSnapshotOptions { Store = new FileGateSnapshotStore(Log + ".snapshots"), OnDispose = false };
        await using var gate = new ApprovalGate(policy, store) { Snapshots = options };
        await gate.RecordSnapshotAsync();
        var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1", ["amount"] = 100 } };
        await gate.InvokeAsync("drafter-bot", "coverage.deny@1", payload, _ => ValueTask.CompletedTask);
        await gate.InvokeAsync("screener-bot", "coverage.flag@1", payload, _ => ValueTask.CompletedTask);
        var last = await gate.RecordSnapshotAsync();
        if (!corrupt) return last.Seq;
        var head = await store.ReadAsync(last.Seq + 1).LastAsync();
        await store.AppendAsync(AuditPayloads.SnapshotRecorded(policy.Hash, head.Seq, head.Hash, "sha256:" + new string('0', 64), 1,
            DateTimeOffset.UtcNow).Entry);
        return head.Seq;
    }
}
