using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// A verified full bundle is a log too: an inspector holding only the bundle pulls a case out of it, and takes receipts,
/// the latest checkpoint and a consistency proof from its <c>transparency</c> checkpoints. A bundle that fails
/// verification, or a run bundle, is refused in one line.
/// </summary>
public sealed class BundleAsLogTests : IDisposable
{
    private const string Subject = "claim:C-1009";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-bundlelog-").FullName;
    private readonly string _log;
    private readonly string _key;
    private readonly string _pub;

    public BundleAsLogTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_dir, "key.pem");
        _pub = Path.Combine(_dir, "key.pub.pem");
        Ed25519KeyFile.Create(_key, _pub);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(string Vkey, string Bundle)> FullBundleAsync(string name = "full.json")
    {
        var vkey = await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key,
            Enumerable.Range(1, 7).Select(i => i % 2 == 1 ? CaseEntry(i, Subject) : Entry(i)));
        var bundle = Path.Combine(_dir, name);
        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--key", _key, "--out", bundle);
        Assert.True(exit == 0, error);
        return (vkey, bundle);
    }

    [Fact]
    public async Task A_case_receipts_the_latest_checkpoint_and_consistency_come_from_a_full_bundle()
    {
        var (vkey, bundle) = await FullBundleAsync();
        var old = Path.Combine(_dir, "old.note");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", bundle, "--vkey", vkey, "-o", old);
        Assert.True(exit == 0, error);
        Assert.StartsWith("example.com/claims\n8\n", await File.ReadAllTextAsync(old), StringComparison.Ordinal);

        var pack = Path.Combine(_dir, "case");
        string output;
        (exit, output, error) = await CliRunner.RunAsync("audit", "export", bundle, "--case", Subject, "--key", _key, "--out", pack);
        Assert.True(exit == 0, error);
        Assert.Contains("4 receipt(s) under the latest signed checkpoint (size 8", output, StringComparison.Ordinal);
        foreach (var receipt in Directory.GetFiles(Path.Combine(pack, "receipts")))
        {
            (exit, output, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", vkey);
            Assert.True(exit == 0, output);
        }

        var single = Path.Combine(_dir, "r.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "receipt", bundle, "--seq", "5", "--vkey", vkey, "-o", single);
        Assert.True(exit == 0, error);

        await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key, [Entry(8)]);
        var later = Path.Combine(_dir, "later.json");
        (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--key", _key, "--out", later);
        Assert.True(exit == 0, error);
        (exit, output, error) = await CliRunner.RunAsync("audit", "consistency", old, later, "--vkey", vkey);
        Assert.True(exit == 0, error + output);
        Assert.Contains("\n\nexample.com/claims\n9\n", output, StringComparison.Ordinal);
        Assert.Equal([_log + ".checkpoints"], Directory.GetFiles(_dir, "*.checkpoints")); // nothing written beside the bundles
    }

    [Fact]
    public async Task A_tampered_bundle_is_refused_in_one_line_by_every_command_that_reads_it_as_a_log()
    {
        var (vkey, bundle) = await FullBundleAsync();
        var tampered = Path.Combine(_dir, "tampered.json");
        await File.WriteAllTextAsync(tampered, (await File.ReadAllTextAsync(bundle)).Replace("\"approved\"", "\"rejected\"", StringComparison.Ordinal));

        string[][] commands =
        [
            ["audit", "export", tampered, "--case", Subject, "--key", _key, "--out", Path.Combine(_dir, "case")],
            ["audit", "receipt", tampered, "--seq", "2", "--vkey", vkey, "-o", Path.Combine(_dir, "r.json")],
            ["audit", "latest-checkpoint", tampered, "--vkey", vkey],
        ];
        foreach (var command in commands)
        {
            var (exit, output, error) = await CliRunner.RunAsync(command);
            Assert.True(exit == 1, $"{command[1]}: {exit} {output}{error}");
            Assert.Contains("fails verification", error, StringComparison.Ordinal);
            Assert.Single(error.TrimEnd('\n').Split('\n'));
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir, "case")));
        Assert.False(File.Exists(Path.Combine(_dir, "r.json")));
    }

    [Fact]
    public async Task A_run_bundle_is_not_a_log()
    {
        var (vkey, _) = await FullBundleAsync();
        var run = Path.Combine(_dir, "run.json");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--case", Subject, "--key", _key, "--out", Path.Combine(_dir, "p"));
        Assert.True(exit == 0, error);
        File.Copy(Path.Combine(_dir, "p", "run-bundle.json"), run);

        (exit, _, error) = await CliRunner.RunAsync("audit", "latest-checkpoint", run, "--vkey", vkey);
        Assert.Equal(1, exit);
        Assert.Contains("is a run bundle: it holds one run, not the log", error, StringComparison.Ordinal);
    }
}
