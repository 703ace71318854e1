using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

public sealed class LatestCheckpointCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-latest-").FullName;
    private readonly string _outDir = Directory.CreateTempSubdirectory("mc-cli-latest-out-").FullName;
    private readonly string _log;
    private readonly string _key;

    public LatestCheckpointCommandTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_outDir, "checkpoint-key.pem");
        Ed25519KeyFile.Create(_key, Path.Combine(_outDir, "checkpoint-key.pub.pem"));
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_outDir, recursive: true);
    }

    [Fact]
    public async Task Prints_the_latest_note_byte_exact_and_writes_nothing_beside_the_log()
    {
        var vkey = await WriteLogAsync(5);
        await WriteLogAsync(3);
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey);

        Assert.True(exit == 0, error);
        Assert.Empty(error);
        Assert.Equal(LatestNoteInHistoryFile(), output);
        Assert.Contains("\n9\n", output, StringComparison.Ordinal); // the genesis event and 8 appended
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Fact]
    public async Task Output_file_holds_the_note_bytes_and_audit_consistency_accepts_it_after_the_log_grows()
    {
        var vkey = await WriteLogAsync(4);
        var kept = Path.Combine(_outDir, "kept.note");
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey, "-o", kept);

        Assert.True(exit == 0, error);
        Assert.Empty(output);
        Assert.Equal(Encoding.UTF8.GetBytes(LatestNoteInHistoryFile()), await File.ReadAllBytesAsync(kept));
        EvidenceSnapshot.AssertUnchanged(before, _dir);

        await WriteLogAsync(2);
        (exit, output, error) = await CliRunner.RunAsync("audit", "consistency", kept, _log, "--vkey", vkey);
        Assert.True(exit == 0, error);
        Assert.StartsWith("extends: the log (7 events)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_checkpoint_note_is_refused_in_one_line()
    {
        var vkey = await WriteLogAsync(4);
        var history = _log + ".checkpoints";
        var lines = (await File.ReadAllTextAsync(history)).TrimEnd('\n').Split('\n');
        var record = JsonNode.Parse(lines[^1])!.AsObject();
        var note = record["checkpoint"]!.GetValue<string>();
        record["checkpoint"] = note.Replace("\n5\n", "\n4\n", StringComparison.Ordinal);
        Assert.NotEqual(note, record["checkpoint"]!.GetValue<string>());
        lines[^1] = record.ToJsonString();
        await File.WriteAllTextAsync(history, string.Join('\n', lines) + "\n");
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey);

        AssertOneLine(1, exit, output, error, "checkpoint history");
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Fact]
    public async Task A_truncated_log_is_refused_naming_the_rollback()
    {
        var vkey = await WriteLogAsync(4);
        var events = await File.ReadAllLinesAsync(_log);
        await File.WriteAllLinesAsync(_log, events[..^1]);
        var before = EvidenceSnapshot.Take(_dir);

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey);

        AssertOneLine(1, exit, output, error, AuditReasonCodes.LogShorterThanCheckpoint);
        EvidenceSnapshot.AssertUnchanged(before, _dir);
    }

    [Fact]
    public async Task A_note_signed_by_another_key_is_refused()
    {
        await WriteLogAsync(2);
        var other = Path.Combine(_outDir, "other.pem");
        Ed25519KeyFile.Create(other, Path.Combine(_outDir, "other.pub.pem"));
        using var signer = Ed25519KeyFile.LoadSigner(other);
        var otherVkey = NoteVerifierKey.FromEd25519("example.com/claims", signer.PublicKey.Span).ToString();

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", otherVkey);

        AssertOneLine(1, exit, output, error, "checkpoint history");
    }

    [Fact]
    public async Task A_log_without_checkpoints_or_a_missing_log_exits_1()
    {
        var vkey = await WriteLogAsync(2);
        File.Delete(_log + ".checkpoints");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey);
        AssertOneLine(1, exit, output, error, "has no signed checkpoint");
        Assert.False(File.Exists(_log + ".checkpoints"));

        (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", Path.Combine(_dir, "absent.jsonl"), "--vkey", vkey);
        AssertOneLine(1, exit, output, error, "no audit log");
        Assert.False(File.Exists(Path.Combine(_dir, "absent.jsonl")));
    }

    [Fact]
    public async Task Bad_input_is_a_usage_error_and_an_existing_output_file_is_never_overwritten()
    {
        var vkey = await WriteLogAsync(2);
        var existing = Path.Combine(_outDir, "existing.note");
        await File.WriteAllTextAsync(existing, "keep me");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", vkey, "-o", existing);
        AssertOneLine(2, exit, output, error, "never overwrites");
        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));

        (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log, "--vkey", "not-a-key");
        AssertOneLine(2, exit, output, error, "--vkey is not a verifier key");

        (exit, output, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", _log);
        Assert.Equal(2, exit);
        Assert.Empty(output);
        EvidenceSnapshot.AssertNoStackTrace(error);
    }

    private static void AssertOneLine(int expectedExit, int exit, string output, string error, string expected)
    {
        Assert.Equal(expectedExit, exit);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\r', '\n').Split('\n'));
        EvidenceSnapshot.AssertNoStackTrace(error);
    }

    /// <summary>The note of the last record of the .checkpoints file, read independently of the command.</summary>
    private string LatestNoteInHistoryFile()
    {
        var last = File.ReadAllText(_log + ".checkpoints").TrimEnd('\n').Split('\n')[^1];
        using var record = JsonDocument.Parse(last);
        return record.RootElement.GetProperty("checkpoint").GetString()!;
    }

    private Task<string> WriteLogAsync(int count) => AppendAsync(_log, _key, count);
}
