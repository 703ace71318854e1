using System.Text.Json;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary><c>audit export --case</c> (the case pack), a full export's transparency, and <c>audit verify --require-checkpoints</c>.</summary>
public sealed class CaseExportTests : IDisposable
{
    private const string Subject = "claim:C-1009";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-case-").FullName;
    private readonly string _log;
    private readonly string _key;
    private readonly string _pub;

    public CaseExportTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_dir, "key.pem");
        _pub = Path.Combine(_dir, "key.pub.pem");
        Ed25519KeyFile.Create(_key, _pub);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Eight events: 1 genesis, then events 2, 4, 6 and 8 in the case's run and the others not.</summary>
    private async Task<string> WriteCheckpointedCaseAsync() =>
        await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key,
            Enumerable.Range(1, 7).Select(i => i % 2 == 1 ? CaseEntry(i, Subject) : Entry(i)));

    [Fact]
    public async Task A_case_pack_holds_a_verifying_run_bundle_a_valid_receipt_per_event_the_vkey_and_a_readme()
    {
        var vkey = await WriteCheckpointedCaseAsync();
        var pack = Path.Combine(_dir, "case");

        var (exit, output, error) = await CliRunner.RunAsync("audit", "export", _log, "--case", Subject, "--key", _key, "--out", pack);

        Assert.True(exit == 0, error + output);
        Assert.StartsWith($"exported case pack for {Subject} (run {CaseSubject.RunIdFor(Subject)}): {pack} (4 events)", output, StringComparison.Ordinal);
        Assert.Contains("4 receipt(s) under the latest signed checkpoint (size 8, origin example.com/claims)", output, StringComparison.Ordinal);
        Assert.Equal(vkey + "\n", await File.ReadAllTextAsync(Path.Combine(pack, "vkey.txt")));
        Assert.Equal(["seq-2.receipt.json", "seq-4.receipt.json", "seq-6.receipt.json", "seq-8.receipt.json"],
            Directory.GetFiles(Path.Combine(pack, "receipts")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", Path.Combine(pack, "run-bundle.json"), "--key", _pub);
        Assert.True(exit == 0, output);
        Assert.Contains(": 4 events, hashes, chain, manifest and signature check", output, StringComparison.Ordinal);
        foreach (var receipt in Directory.GetFiles(Path.Combine(pack, "receipts")))
        {
            (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", Path.Combine(pack, "vkey.txt"));
            Assert.True(exit == 0, output);
        }

        var readme = await File.ReadAllTextAsync(Path.Combine(pack, "README.txt"));
        Assert.Contains("Evidence for case claim:C-1009", readme, StringComparison.Ordinal);
        Assert.Contains("makerchecker audit verify run-bundle.json", readme, StringComparison.Ordinal);
        Assert.Contains("makerchecker audit verify-receipt receipts/seq-2.receipt.json --vkey vkey.txt", readme, StringComparison.Ordinal);
        Assert.Contains("What \"verified\" does not mean", readme, StringComparison.Ordinal);
        Assert.DoesNotContain("No receipts", readme, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_dir, ".*partial"));
    }

    [Fact]
    public async Task A_case_pack_of_a_log_without_checkpoints_says_plainly_it_has_no_receipts()
    {
        await using (var store = await FileAuditStore.OpenAsync(_log))
        {
            await store.AppendAsync(CaseEntry(1, Subject));
        }

        var pack = Path.Combine(_dir, "case");
        var (exit, output, error) = await CliRunner.RunAsync("audit", "export", _log, "--case", Subject, "--key", _key, "--out", pack);

        Assert.True(exit == 0, error);
        Assert.Contains("no receipts: the log has no signed checkpoint", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(pack, "receipts")));
        Assert.Contains("No receipts: our audit log had no signed checkpoint", await File.ReadAllTextAsync(Path.Combine(pack, "README.txt")),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--case", "claim:C-404")]
    [InlineData("--run", "00000000-0000-4000-8000-000000000000")]
    public async Task A_case_or_run_with_no_event_exits_1_in_one_line_and_writes_nothing(string option, string value)
    {
        await WriteCheckpointedCaseAsync();
        var output = Path.Combine(_dir, "out");

        var (exit, stdout, error) = await CliRunner.RunAsync("audit", "export", _log, option, value, "--key", _key, "--out", output);

        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"error: the store {_log} has no event of ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output) || Directory.Exists(output));
        Assert.Empty(Directory.GetFileSystemEntries(_dir, ".*partial"));
    }

    [Theory]
    [InlineData("claim C-1009")]
    [InlineData("C-1009")]
    [InlineData("claim:")]
    public async Task A_malformed_subject_is_a_usage_error(string subject)
    {
        await WriteCheckpointedCaseAsync();
        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--case", subject, "--key", _key, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, exit);
        Assert.StartsWith("error: --case: The case subject", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Run_and_case_together_are_a_usage_error()
    {
        await WriteCheckpointedCaseAsync();
        var (exit, _, error) = await CliRunner.RunAsync(
            "audit", "export", _log, "--case", Subject, "--run", "x", "--key", _key, "--out", Path.Combine(_dir, "x"));
        Assert.Equal(2, exit);
        Assert.Contains("--run or --case, not both", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_export_with_the_checkpoint_key_carries_the_signed_checkpoints_and_verify_reports_them()
    {
        await WriteCheckpointedCaseAsync();
        var bundle = Path.Combine(_dir, "full.json");

        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--key", _key, "--out", bundle);
        Assert.True(exit == 0, error);
        Assert.Empty(error);
        using (var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(bundle)))
        {
            Assert.Equal("makerchecker-transparency/v1", doc.RootElement.GetProperty("transparency").GetProperty("format").GetString());
        }

        string output;
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--key", _pub, "--require-checkpoints");
        Assert.True(exit == 0, output);
        Assert.Contains("signed checkpoint", output, StringComparison.Ordinal);
        Assert.Contains("verified against the events", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_export_with_another_key_has_no_transparency_and_says_why()
    {
        await WriteCheckpointedCaseAsync();
        var other = Path.Combine(_dir, "other.pem");
        Ed25519KeyFile.Create(other, Path.Combine(_dir, "other.pub.pem"));
        var bundle = Path.Combine(_dir, "full.json");

        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--key", other, "--out", bundle);

        Assert.Equal(0, exit);
        Assert.StartsWith("note: the log's checkpoints are signed by another key than --key", error, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(bundle));
        Assert.False(doc.RootElement.TryGetProperty("transparency", out _));
        string output;
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", bundle, "--require-checkpoints");
        Assert.Equal(1, exit);
        Assert.Contains(": checkpoint_missing: --require-checkpoints was given but the bundle has no transparency section", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_require_checkpoints_needs_a_vkey_on_a_store_and_fails_a_store_without_checkpoints()
    {
        var vkey = await WriteCheckpointedCaseAsync();
        var (exit, output, error) = await CliRunner.RunAsync("audit", "verify", _log, "--require-checkpoints");
        Assert.Equal(2, exit);
        Assert.StartsWith("error: --require-checkpoints needs --vkey", error, StringComparison.Ordinal);

        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log, "--require-checkpoints", "--vkey", vkey);
        Assert.True(exit == 0, output);
        Assert.Contains("; 1 signed checkpoint verified (every signature under the pinned key", output, StringComparison.Ordinal);

        File.Delete(_log + ".checkpoints");
        (exit, output, _) = await CliRunner.RunAsync("audit", "verify", _log, "--require-checkpoints", "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.Contains(": checkpoint_missing: ", output, StringComparison.Ordinal);
    }
}
