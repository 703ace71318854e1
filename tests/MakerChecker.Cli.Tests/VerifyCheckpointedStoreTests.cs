using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary><c>audit verify</c> on a live log: checked against its latest signed checkpoint when it has one, and honest when it has none.</summary>
public sealed class VerifyCheckpointedStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-verify-cp-").FullName;
    private readonly string _log;
    private readonly string _key;

    public VerifyCheckpointedStoreTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_dir, "checkpoint-key.pem");
        Ed25519KeyFile.Create(_key, Path.Combine(_dir, "checkpoint-key.pub.pem"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_truncated_checkpointed_log_fails_verification_although_its_chain_holds()
    {
        var vkey = await WriteCheckpointedLogAsync(40); // checkpoint at 41 (genesis and 40) signed on close
        var lines = await File.ReadAllLinesAsync(_log);
        await File.WriteAllLinesAsync(_log, lines[..10]); // the newest 31 events cut off: what is left still chains
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", _log);
        Assert.Equal(ExitCodes.Failure, exit);
        Assert.StartsWith($"FAILED: {_log}: log_shorter_than_checkpoint: the log has 10 events but its signed checkpoint covers 41 events", output, StringComparison.Ordinal);
        Assert.Contains("signed checkpoint 1 (size 41, root ", output, StringComparison.Ordinal);
        Assert.Contains("not pinned", output, StringComparison.Ordinal);
        EvidenceSnapshot.AssertNoStackTrace(error);

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log, "--vkey", vkey, "--json");
        Assert.Equal(ExitCodes.Failure, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("log_shorter_than_checkpoint", doc.RootElement.GetProperty("reasonCode").GetString());
        Assert.True(doc.RootElement.GetProperty("checkpoint").GetProperty("signerPinned").GetBoolean());
        EvidenceSnapshot.AssertUnchanged(before, _dir);

        // Nor is it signed into a bundle.
        var outDir = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--out", Path.Combine(outDir, "bundle.json"), "--key", _key);
        Assert.Equal(ExitCodes.Failure, exit);
        Assert.StartsWith($"FAILED: {_log}: log_shorter_than_checkpoint:", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
    }

    [Fact]
    public async Task A_checkpointed_log_verifies_naming_the_checkpoint_its_signer_and_whether_the_signer_is_pinned()
    {
        var vkey = await WriteCheckpointedLogAsync(5);
        await using (var plain = await FileAuditStore.OpenAsync(_log))
        {
            await plain.AppendAsync(Entry(99)); // newer than the checkpoint
        }

        var before = EvidenceSnapshot.Take(_dir);
        var key = NoteVerifierKey.Parse(vkey);
        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", _log, "--vkey", vkey);
        Assert.True(exit == 0, output + error);
        Assert.StartsWith($"verified: {_log}: 7 events, every hash and link checks; checked against signed checkpoint 1 (size 6, root ", output, StringComparison.Ordinal);
        Assert.Contains($"signed by {key.Name}+{key.KeyId:x8}, pinned)", output, StringComparison.Ordinal);
        Assert.Contains("seq 7 to 7 are newer than the checkpoint", output, StringComparison.Ordinal);

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log);
        Assert.Equal(0, exit);
        Assert.Contains($"signed by {key.Name}+{key.KeyId:x8}, not pinned: no signature was checked; pass --vkey", output, StringComparison.Ordinal);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Fact]
    public async Task A_log_without_checkpoints_says_truncation_of_its_newest_events_cannot_be_detected()
    {
        await using (var plain = await FileAuditStore.OpenAsync(_log))
        {
            await plain.AppendAsync(Entry(1));
        }

        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log);
        Assert.Equal(0, exit);
        Assert.Contains("no signed checkpoint beside it, so truncation of the newest events cannot be detected from the log alone", output, StringComparison.Ordinal);

        // A pinned checkpoint key with no checkpoint beside the log: the history was removed, or never existed.
        using var signer = Ed25519KeyFile.LoadSigner(_key);
        var vkey = NoteVerifierKey.FromEd25519("example.com/claims", signer.PublicKey.Span).ToString();
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log, "--vkey", vkey);
        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains(": checkpoint_missing: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_history_signed_by_another_key_than_the_pinned_one_fails()
    {
        await WriteCheckpointedLogAsync(3);
        var other = Path.Combine(_dir, "other.pem");
        Ed25519KeyFile.Create(other, Path.Combine(_dir, "other.pub.pem"));
        using var otherSigner = Ed25519KeyFile.LoadSigner(other);
        var wrong = NoteVerifierKey.FromEd25519("example.com/claims", otherSigner.PublicKey.Span).ToString();

        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", _log, "--vkey", wrong);

        Assert.Equal(ExitCodes.Failure, exit);
        Assert.Contains(": checkpoint_history_invalid: ", output, StringComparison.Ordinal);
        EvidenceSnapshot.AssertNoStackTrace(error);
    }

    private Task<string> WriteCheckpointedLogAsync(int count) => AppendAsync(_log, _key, count, first: 0);
}
