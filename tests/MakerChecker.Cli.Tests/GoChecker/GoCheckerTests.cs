using System.Text.Json.Nodes;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests.GoChecker;

/// <summary>
/// Independent checks with Go's <c>golang.org/x/mod/sumdb/note</c> and <c>tlog</c> (checker.go): our checkpoint notes open
/// with <c>note.Open</c>, receipts' inclusion proofs pass <c>tlog.CheckRecord</c>, and <c>audit consistency</c>'s output,
/// as printed, passes <c>tlog.CheckTree</c>; each tampered input is rejected by Go.
/// </summary>
public sealed class GoCheckerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-go-").FullName;
    private readonly string _log;
    private readonly string _key;

    public GoCheckerTests()
    {
        _log = Path.Combine(_dir, "audit.jsonl");
        _key = Path.Combine(_dir, "key.pem");
        Ed25519KeyFile.Create(_key, Path.Combine(_dir, "key.pub.pem"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> CliToFileAsync(string file, params string[] args)
    {
        var (exit, output, error) = await CliRunner.RunAsync(args);
        Assert.True(exit == 0, error + output);
        var path = Path.Combine(_dir, file);
        await File.WriteAllTextAsync(path, output);
        return path;
    }

    [GoFact]
    public async Task Go_opens_our_checkpoint_note_and_rejects_a_tampered_one()
    {
        var vkey = await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key, Enumerable.Range(1, 12).Select(Entry));
        var note = await CliToFileAsync("latest.note", "audit", "latest-checkpoint", _log, "--vkey", vkey);

        var (exit, output) = await GoChecker.RunAsync("note", vkey, note);
        Assert.True(exit == 0, output);
        Assert.StartsWith("ok: checkpoint example.com/claims size 13 root ", output, StringComparison.Ordinal);

        var tampered = Path.Combine(_dir, "tampered.note");
        await File.WriteAllTextAsync(tampered, (await File.ReadAllTextAsync(note)).Replace("\n13\n", "\n14\n", StringComparison.Ordinal));
        (exit, output) = await GoChecker.RunAsync("note", vkey, tampered);
        Assert.Equal(1, exit);
        Assert.StartsWith("rejected: note.Open: ", output, StringComparison.Ordinal);
    }

    [GoFact]
    public async Task Go_checks_every_receipt_of_a_case_pack_with_tlog_CheckRecord_and_rejects_a_tampered_event()
    {
        const string Subject = "claim:C-1009";
        var vkey = await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key,
            Enumerable.Range(1, 9).Select(i => i % 3 == 0 ? CaseEntry(i, Subject) : Entry(i)));
        var pack = Path.Combine(_dir, "case");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", _log, "--case", Subject, "--key", _key, "--out", pack);
        Assert.True(exit == 0, error);

        var receipts = Directory.GetFiles(Path.Combine(pack, "receipts"));
        Assert.Equal(3, receipts.Length);
        string output;
        foreach (var receipt in receipts)
        {
            (exit, output) = await GoChecker.RunAsync("receipt", vkey, receipt);
            Assert.True(exit == 0, output);
            Assert.Contains("is in example.com/claims at size 10", output, StringComparison.Ordinal);
        }

        var json = JsonNode.Parse(await File.ReadAllTextAsync(receipts[0]))!.AsObject();
        json["event"] = json["event"]!.GetValue<string>().Replace("approved", "rejected", StringComparison.Ordinal);
        var tampered = Path.Combine(_dir, "tampered.receipt.json");
        await File.WriteAllTextAsync(tampered, json.ToJsonString());
        (exit, output) = await GoChecker.RunAsync("receipt", vkey, tampered);
        Assert.Equal(1, exit);
        Assert.StartsWith("rejected: tlog.CheckRecord: ", output, StringComparison.Ordinal);
    }

    [GoFact]
    public async Task Go_checks_audit_consistency_output_as_printed_with_tlog_CheckTree_and_rejects_a_tampered_proof()
    {
        var vkey = await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key, Enumerable.Range(1, 6).Select(Entry));
        var old = await CliToFileAsync("old.note", "audit", "latest-checkpoint", _log, "--vkey", vkey);
        await AppendAsync(await FileAuditStore.OpenAsync(_log), null, _key, Enumerable.Range(7, 9).Select(Entry));
        await using (var unsigned = await FileAuditStore.OpenAsync(_log))
        {
            await unsigned.AppendAsync(Entry(99)); // newer than the latest signed checkpoint: the proof still ends at a signed size
        }

        var printed = await CliToFileAsync("consistency.txt", "audit", "consistency", old, _log, "--vkey", vkey);
        var (exit, output) = await GoChecker.RunAsync("consistency", vkey, old, printed);
        Assert.True(exit == 0, output);
        Assert.Equal("ok: size 16 extends size 7 of example.com/claims", output);

        var lines = (await File.ReadAllTextAsync(printed)).Split('\n');
        lines[1] = Convert.ToBase64String(new byte[32]);
        var tampered = Path.Combine(_dir, "tampered.txt");
        await File.WriteAllTextAsync(tampered, string.Join('\n', lines));
        (exit, output) = await GoChecker.RunAsync("consistency", vkey, old, tampered);
        Assert.Equal(1, exit);
        Assert.StartsWith("rejected: tlog.CheckTree: ", output, StringComparison.Ordinal);
    }
}
