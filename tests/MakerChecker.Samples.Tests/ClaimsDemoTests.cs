using System.Globalization;
using ClaimsReview;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Decisions;
using MakerChecker.Review;
using Spectre.Console;

namespace MakerChecker.Samples.Tests;

/// <summary>The one-command demo, run in process: what it claims on screen is what the gate and the detector did.</summary>
public sealed class ClaimsDemoTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mc-demo-{Guid.NewGuid():N}");

    [Fact]
    public async Task The_demo_stops_the_agents_verifies_its_evidence_and_flags_the_batch_reviewer()
    {
        using var writer = new StringWriter();
        var result = await Run(writer);

        Assert.Equal(ReasonCodes.SkillForbidden, result.ScreenerDenyCode);
        Assert.Equal(ReasonCodes.AgentCannotApprove, result.AgentSelfApprovalCode);
        Assert.Equal(ReasonCodes.RequesterCannotApprove, result.PhysicianSelfApprovalCode);
        Assert.Equal([ReasonCodes.ReviewTooFast, ReasonCodes.ReviewTooFast, ReasonCodes.ReviewTooFast], result.TooFastCodes);
        Assert.Equal(ClaimsDemo.BatchSize, result.BatchApproved);
        Assert.True(result.Verdict.IsValid, result.Verdict.ToString());

        // The batch reviewer is flagged with the exact count; the honest physicians are not flagged at all.
        var batch = Assert.Single(result.Report.Reviewers, r => r.ReviewerId == "dr.batch");
        Assert.Equal((ClaimsDemo.BatchSize, ClaimsDemo.BatchSize, 1200L), (batch.Count, batch.FastCount, batch.MedianDwellMs!.Value));
        var fast = Assert.Single(result.Report.FindingsFor("dr.batch"), f => f.Kind == FindingKinds.FastDwell);
        Assert.Equal((FindingSeverity.High, ClaimsDemo.BatchSize), (fast.Severity, fast.Count));
        Assert.Equal(3, Assert.Single(result.Report.FindingsFor("dr.batch"), f => f.Kind == FindingKinds.RefusedTooFast).Count);
        Assert.Empty(result.Report.FindingsFor("dr.okafor"));
        Assert.Empty(result.Report.FindingsFor("dr.lindqvist"));

        // The story on screen names the codes, and closes with the inspector's commands on the exported files.
        var text = writer.ToString();
        Assert.Contains("refused requester_cannot_approve", text, StringComparison.Ordinal);
        var cli = "dotnet run --project src/MakerChecker.Cli --";
        Assert.Contains($"{cli} audit verify {Path.Combine(result.RunFolder, "bundle.json")} --key {Path.Combine(_folder, "instance.pub.pem")}", text, StringComparison.Ordinal);
        Assert.Contains($"{cli} review report", text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(result.RunFolder, "review-summary.md")));
    }

    [Fact]
    public async Task A_second_run_reuses_the_key_and_keeps_the_first_runs_evidence()
    {
        var first = await Run(TextWriter.Null);
        var key = await File.ReadAllTextAsync(Path.Combine(_folder, "instance.pub.pem"));
        var second = await Run(TextWriter.Null);

        Assert.NotEqual(first.RunFolder, second.RunFolder);
        Assert.True(File.Exists(Path.Combine(first.RunFolder, "bundle.json")));
        Assert.Equal(key, await File.ReadAllTextAsync(Path.Combine(_folder, "instance.pub.pem")));
        Assert.Equal(first.Verdict.KeyFingerprint, second.Verdict.KeyFingerprint);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "instance.key")));
        }
    }

    [Fact]
    public async Task The_log_is_signed_as_it_is_written_and_the_evidence_holds_the_vkey_the_latest_checkpoint_and_a_members_receipt()
    {
        var result = await Run(TextWriter.Null);
        var files = result.Files;

        // Beside the bundle, in the run folder; the checkpoint file is the history's latest note, byte for byte.
        Assert.All(new[] { files.Bundle, files.VerifierKey, files.Checkpoint, files.Receipt },
            f => Assert.Equal(result.RunFolder, Path.GetDirectoryName(f)));
        var vkey = NoteVerifierKey.Parse((await File.ReadAllTextAsync(files.VerifierKey)).Trim());
        await using var log = await FileAuditStore.OpenReadOnlyAsync(Path.Combine(result.RunFolder, "audit.jsonl"));
        await using var store = await CheckpointedAuditStore.OpenReadOnlyAsync(log, new CheckpointedAuditStoreOptions { VerifierKey = vkey });
        Assert.True(store.OpenReport.Extends, store.OpenReport.Failure);
        Assert.Equal(store.LatestCheckpoint!.NoteText, await File.ReadAllTextAsync(files.Checkpoint));
        Assert.Equal(result.Verdict.EventCount, store.LatestCheckpoint.Checkpoint.Size);
        // Signed as written: checkpoints every N events during the story, not only the one at export.
        Assert.True(store.Checkpoints.Count > result.Verdict.EventCount / DemoEvidence.CheckpointEveryEvents, $"{store.Checkpoints.Count} checkpoints");

        Assert.True(Receipt.TryParse(await File.ReadAllBytesAsync(files.Receipt), out var receipt, out var malformed), malformed);
        Assert.True(receipt.Verify([vkey]).IsValid);
        Assert.Contains("\"approval.decided\"", receipt.EventJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_closing_makerchecker_command_succeeds_as_printed_from_the_repository_root()
    {
        var (text, result) = await RunPrinted();
        var cli = result.ClosingCommands.Where(c => c.StartsWith("dotnet run --project src/MakerChecker.Cli -- ", StringComparison.Ordinal)).ToList();

        Assert.Equal(6, cli.Count);
        await AssertEachSucceedsAsync(cli, text);

        // The case pack holds the claim's whole story: a run bundle, a receipt per event, the vkey and the member's README.
        var pack = DemoEvidence.CasePack(result.Files);
        Assert.True(File.Exists(Path.Combine(pack, "run-bundle.json")) && File.Exists(Path.Combine(pack, "README.txt")), pack);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(pack, "receipts")));
        // The verifier page is the tool's embedded page, written beside the bundle.
        var page = await File.ReadAllTextAsync(Path.Combine(result.RunFolder, "verify.html"));
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
    }

    [ToolFact]
    public async Task Every_closing_go_and_openssl_command_succeeds_as_printed_and_fails_on_a_tampered_checkpoint()
    {
        var (text, result) = await RunPrinted();
        var independent = result.ClosingCommands.Where(c => c.StartsWith("GO111MODULE=off", StringComparison.Ordinal) || c.Contains("openssl", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, independent.Count);
        await AssertEachSucceedsAsync(independent, text);

        // The same commands on a checkpoint whose size was changed fail: they check the signature, not only run.
        var note = await File.ReadAllTextAsync(result.Files.Checkpoint);
        var size = note.Split('\n')[1];
        await File.WriteAllTextAsync(result.Files.Checkpoint, note.Replace($"\n{size}\n", $"\n{long.Parse(size, CultureInfo.InvariantCulture) - 1}\n", StringComparison.Ordinal));
        foreach (var command in independent)
        {
            Assert.NotEqual(0, (await ShellCommand.RunAsync(command)).ExitCode);
        }
    }

    private static async Task AssertEachSucceedsAsync(IEnumerable<string> commands, string printed)
    {
        foreach (var command in commands)
        {
            Assert.Contains("  " + command + Environment.NewLine, printed, StringComparison.Ordinal); // printed whole, on one line
            var (exit, output) = await ShellCommand.RunAsync(command);
            Assert.True(exit == 0, $"exit {exit} from: {command}\n{output}");
        }
    }

    private async Task<(string Text, DemoResult Result)> RunPrinted()
    {
        using var writer = new StringWriter();
        var result = await Run(writer);
        return (writer.ToString(), result);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private Task<DemoResult> Run(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer) });
        console.Profile.Width = 200;
        return new ClaimsDemo(console, _folder, Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).RunAsync();
    }
}
