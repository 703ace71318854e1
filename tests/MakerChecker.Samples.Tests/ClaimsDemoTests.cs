using ClaimsReview;
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
        Assert.Contains($"makerchecker audit verify {Path.Combine(result.RunFolder, "bundle.json")} --key {Path.Combine(_folder, "instance.pub.pem")}", text, StringComparison.Ordinal);
        Assert.Contains("makerchecker review report", text, StringComparison.Ordinal);
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
