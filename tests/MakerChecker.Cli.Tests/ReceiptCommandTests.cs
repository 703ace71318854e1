using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

public sealed class ReceiptCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-receipt-").FullName;
    private readonly string _log;
    private readonly string _key;
    private readonly string _outDir = Directory.CreateTempSubdirectory("mc-cli-receipt-out-").FullName;

    public ReceiptCommandTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_dir, "checkpoint-key.pem");
        Ed25519KeyFile.Create(_key, Path.Combine(_dir, "checkpoint-key.pub.pem"));
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_outDir, recursive: true);
    }

    [Fact]
    public async Task A_receipt_is_written_and_verifies_offline_and_a_tampered_one_does_not()
    {
        var vkey = await WriteLogAsync(10);
        var receipt = Path.Combine(_dir, "receipt.json");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "4", "--key", _key, "-o", receipt);
        Assert.True(exit == 0, error);
        Assert.Contains($"verifier key: {vkey}", output, StringComparison.Ordinal);

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey);
        Assert.Equal(0, exit);
        Assert.Contains("valid: event seq 4 is in", output, StringComparison.Ordinal);

        var vkeyFile = Path.Combine(_dir, "log.vkey");
        await File.WriteAllTextAsync(vkeyFile, vkey + "\n");
        (exit, _, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkeyFile, "--origin", "example.com/claims");
        Assert.Equal(0, exit);

        Assert.Contains("req-3", await File.ReadAllTextAsync(receipt), StringComparison.Ordinal);
        var tampered = Path.Combine(_dir, "tampered.json");
        await File.WriteAllTextAsync(tampered, (await File.ReadAllTextAsync(receipt)).Replace("req-3", "req-7", StringComparison.Ordinal));
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", tampered, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.StartsWith("invalid: receipt event at index 3 is not in checkpoint", output, StringComparison.Ordinal);

        (exit, _, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", "not-a-key");
        Assert.Equal(2, exit);
        (exit, _, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task A_receipt_file_escapes_relaxed_and_verifies()
    {
        string vkey;
        using (var signer = Ed25519KeyFile.LoadSigner(_key))
        {
            var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = "example.com/claims" };
            await using var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(_log), options);
            var entry = Entry(1);
            await store.AppendAsync(new AuditEntry
            {
                Actor = entry.Actor, EventType = entry.EventType, EntityType = entry.EntityType, EntityId = "claim+42",
                Payload = new JsonObject { ["note"] = "a \"quoted\" +1" },
            });
            vkey = store.VerifierKey.ToString();
        }

        var receipt = Path.Combine(_outDir, "receipt.json");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "2", "--vkey", vkey, "-o", receipt);
        Assert.True(exit == 0, error);

        var text = await File.ReadAllTextAsync(receipt);
        Assert.DoesNotContain(@"\u0022", text, StringComparison.Ordinal);
        Assert.DoesNotContain(@"\u002B", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(@"\""entityId\"":\""claim+42\""", text, StringComparison.Ordinal);
        Assert.Contains(@"a \\\""quoted\\\"" +1", text, StringComparison.Ordinal);
        (exit, var output, error) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey);
        Assert.True(exit == 0, error);
        Assert.StartsWith("valid: event seq 2 is in", output, StringComparison.Ordinal);

        var tampered = Path.Combine(_outDir, "tampered.json");
        await File.WriteAllTextAsync(tampered, text.Replace("claim+42", "claim+43", StringComparison.Ordinal));
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", tampered, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.StartsWith("invalid: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipt_refuses_a_missing_event_a_missing_log_and_a_bad_seq()
    {
        await WriteLogAsync(3);
        var receipt = Path.Combine(_dir, "receipt.json");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "9", "--key", _key, "-o", receipt);
        Assert.Equal(1, exit);
        Assert.Contains("there is no seq 9", error, StringComparison.Ordinal);

        (exit, _, _) = await CliRunner.RunAsync("audit", "receipt", Path.Combine(_dir, "absent.jsonl"), "--seq", "1", "--key", _key, "-o", receipt);
        Assert.Equal(1, exit);
        Assert.False(File.Exists(Path.Combine(_dir, "absent.jsonl")));

        (exit, _, _) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "0", "--key", _key, "-o", receipt);
        Assert.Equal(2, exit);
        Assert.False(File.Exists(receipt));
    }

    [Fact]
    public async Task Consistency_accepts_a_grown_log_and_names_the_first_missing_event_of_a_truncated_one()
    {
        var vkey = await WriteLogAsync(10);
        var old = Path.Combine(_dir, "old.checkpoint");
        await File.WriteAllTextAsync(old, await LatestNoteAsync(vkey));
        await WriteLogAsync(5); // the log grows after the audit

        var (exit, output, error) = await CliRunner.RunAsync("audit", "consistency", old, _log, "--vkey", vkey);
        Assert.True(exit == 0, error + output);
        Assert.StartsWith("extends: the log (16 events) extends checkpoint example.com/claims size 11", output, StringComparison.Ordinal);

        // Someone cuts the last eight events off the log.
        var lines = await File.ReadAllLinesAsync(_log);
        await File.WriteAllLinesAsync(_log, lines[..8]);
        (exit, output, _) = await CliRunner.RunAsync("audit", "consistency", old, _log, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.StartsWith("log_shorter_than_checkpoint:", output, StringComparison.Ordinal);
        Assert.Contains("first divergent event: seq 9", output, StringComparison.Ordinal);

        // And the writer refuses to issue receipts from it.
        var receipt = Path.Combine(_dir, "receipt.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "2", "--key", _key, "-o", receipt);
        Assert.Equal(1, exit);
        Assert.Contains("log_shorter_than_checkpoint", error, StringComparison.Ordinal);

        (exit, _, _) = await CliRunner.RunAsync("audit", "consistency", old, _log);
        Assert.Equal(2, exit);
        await File.WriteAllTextAsync(old, "not a note\n");
        (exit, _, _) = await CliRunner.RunAsync("audit", "consistency", old, _log, "--vkey", vkey);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Receipt_is_read_only_it_leaves_the_evidence_directory_byte_for_byte_unchanged()
    {
        var vkey = await WriteLogAsync(10);
        var before = EvidenceSnapshot.Take(_dir);
        var receipt = Path.Combine(_outDir, "receipt.json");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "4", "--key", _key, "-o", receipt);
        Assert.True(exit == 0, error);
        EvidenceSnapshot.AssertUnchanged(before, _dir); // no .lock, no rewritten .merkle, no new checkpoint

        // The verifier key alone is enough: a receipt needs no private key.
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "11", "--vkey", vkey, "-o", receipt);
        Assert.True(exit == 0, error);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey)).ExitCode);
        Assert.Contains("verifier key: " + vkey, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipt_on_an_empty_log_creates_nothing_and_fails()
    {
        await File.WriteAllBytesAsync(_log, []);
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "1", "--key", _key, "-o", Path.Combine(_outDir, "r.json"));

        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        EvidenceSnapshot.AssertNoStackTrace(error);
        EvidenceSnapshot.AssertUnchanged(before, _dir); // no genesis written, no checkpoint signed
        Assert.False(File.Exists(Path.Combine(_outDir, "r.json")));
    }

    [Fact]
    public async Task Receipt_never_cuts_a_torn_tail_off_the_log()
    {
        await WriteLogAsync(5);
        await File.AppendAllTextAsync(_log, "{\"seq\":\"7\",\"event_ty");
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "2", "--key", _key, "-o", Path.Combine(_outDir, "r.json"));

        // The torn tail is an append that never completed, not part of the log: the receipt is issued and the tail is
        // left for the writer's recovery (and the inspector) to see.
        Assert.True(exit == 0, error);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Fact]
    public async Task Receipt_for_an_event_no_checkpoint_covers_is_refused_naming_how_to_sign_one()
    {
        var vkey = await WriteLogAsync(3); // checkpoint at 4 (genesis + 3) signed on close
        await using (var plain = await FileAuditStore.OpenAsync(_log))
        {
            // Appended without the checkpointing layer: the writer has not signed these yet.
            await plain.AppendAsync(Entry(100));
            await plain.AppendAsync(Entry(101));
        }

        var before = EvidenceSnapshot.Take(_dir);
        var receipt = Path.Combine(_outDir, "r.json");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "6", "--vkey", vkey, "-o", receipt);

        Assert.Equal(1, exit);
        Assert.StartsWith("error: event_not_checkpointed: no signed checkpoint covers seq 6 (the latest covers 4 events)", error, StringComparison.Ordinal);
        Assert.Contains("makerchecker audit checkpoint", error, StringComparison.Ordinal);
        Assert.Contains("CheckpointedAuditStore.CheckpointAsync()", error, StringComparison.Ordinal);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
        Assert.False(File.Exists(receipt));

        // The operator signs one, as the message says; then the receipt is issued.
        var (signedExit, signedOutput, signedError) = await CliRunner.RunAsync("audit", "checkpoint", _log, "--key", _key);
        Assert.True(signedExit == 0, signedError);
        Assert.StartsWith("checkpoint example.com/claims size 6 ", signedOutput, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "6", "--vkey", vkey, "-o", receipt);
        Assert.True(exit == 0, error);
        Assert.Equal(0, (await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey)).ExitCode);
    }

    [Fact]
    public async Task Checkpoint_never_creates_a_log_and_receipt_needs_exactly_one_key()
    {
        var absent = Path.Combine(_dir, "absent.jsonl");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "checkpoint", absent, "--key", _key);
        Assert.Equal(1, exit);
        Assert.Contains("nothing to checkpoint", error, StringComparison.Ordinal);
        Assert.False(File.Exists(absent));

        var vkey = await WriteLogAsync(2);
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "1", "-o", Path.Combine(_outDir, "r.json"));
        Assert.Equal(2, exit);
        Assert.Contains("--vkey", error, StringComparison.Ordinal);
        (exit, _, _) = await CliRunner.RunAsync("audit", "receipt", _log, "--seq", "1", "--key", _key, "--vkey", vkey, "-o", Path.Combine(_outDir, "r.json"));
        Assert.Equal(2, exit);
    }

    /// <summary>Appends <paramref name="count"/> events through a checkpointed file store; returns the verifier key.</summary>
    private Task<string> WriteLogAsync(int count) => AppendAsync(_log, _key, count);

    private async Task<string> LatestNoteAsync(string vkey)
    {
        await using var store = await CheckpointedAuditStore.OpenReadOnlyAsync(await FileAuditStore.OpenReadOnlyAsync(_log), new CheckpointedAuditStoreOptions { VerifierKey = NoteVerifierKey.Parse(vkey) });
        return store.LatestCheckpoint!.NoteText;
    }
}
