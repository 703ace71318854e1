using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;
using MakerChecker.Testing;

namespace MakerChecker.Reporting.Tests;

/// <summary>Both forms of the report, rendered straight from a review day's file store (the CLI tests cover the command around them).</summary>
public sealed class ReviewReportRenderingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-reporting-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_html_page_and_the_terminal_tables_give_the_same_figures_for_each_reviewer()
    {
        var (summary, report) = await DayAsync();

        var html = ReviewHtmlReport.Render(summary, report);
        var terminal = Terminal(summary, report);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("Evidence verified.", html, StringComparison.Ordinal);
        Assert.Contains("verified: ", terminal, StringComparison.Ordinal);
        var batch = report.Reviewers.Single(r => r.ReviewerId == "dr.batch");
        var median = batch.MedianDwellMs!.Value < 1000 ? $"{batch.MedianDwellMs} ms" : $"{batch.MedianDwellMs.Value / 1000.0:0.#} s";
        Assert.Contains(median, html, StringComparison.Ordinal);
        Assert.Contains(median, terminal, StringComparison.Ordinal);
        Assert.NotEmpty(report.FindingsFor("dr.batch"));
        Assert.All(report.Findings, f => Assert.Contains(f.Kind, terminal, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_json_form_carries_the_verdict_and_each_finding_with_the_severity_word_the_tables_use()
    {
        var (summary, report) = await DayAsync();

        using var json = System.Text.Json.JsonDocument.Parse(ReviewJsonReport.Render(summary, report));
        var terminal = Terminal(summary, report);

        Assert.True(json.RootElement.GetProperty("evidence").GetProperty("verified").GetBoolean());
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(report.Findings.Count, findings.Count);
        foreach (var finding in findings)
        {
            var severity = finding.GetProperty("severity").GetString()!;
            Assert.Equal(severity.ToLowerInvariant(), severity);
            Assert.Contains(severity.ToUpperInvariant(), terminal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Evidence_that_failed_verification_is_said_first_in_both_forms()
    {
        var (summary, report) = await DayAsync();
        var tampered = summary.Verdict with { IsValid = false, ReasonCode = "hash_mismatch", Reason = "event 7 does not hash to its stored hash", FailedSeq = 7 };
        var failed = summary with { Verdict = tampered };

        var html = ReviewHtmlReport.Render(failed, report);
        var terminal = Terminal(failed, report);

        Assert.Contains("Evidence NOT verified.", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("NOT verified", StringComparison.Ordinal) < html.IndexOf("dr.batch", StringComparison.Ordinal));
        var firstLines = terminal.Split('\n').Take(3);
        Assert.Contains(firstLines, l => l.Contains("NOT VERIFIED: ", StringComparison.Ordinal));
        Assert.Contains("failed verification and may have been altered", terminal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_characters_and_markup_from_the_evidence_never_reach_the_terminal_or_the_page_raw()
    {
        const string hostile = "dr.\u001b[2Jevil<b>[red]x[/]";
        var (summary, report) = await DayAsync(async scenario =>
        {
            for (var i = 0; i < 3; i++)
            {
                var at = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
                var decided = new ApprovalDecided(
                    new string('a', 64), $"x-{i}", hostile, SignOffVerdict.Approve, null, "signed_off", null, "sha256:00", at, at, at.AddSeconds(i + 0.5),
                    i * 1000 + 500, 0, "coverage.deny@1");
                await scenario.Store.AppendAsync(AuditEventWriter.ToEntry(decided, new AuditActor("human", hostile), AuditEventWriter.RequestEntity, $"x-{i}"));
            }
        });

        var terminal = Terminal(summary, report);
        var html = ReviewHtmlReport.Render(summary, report);

        Assert.DoesNotContain('\u001b', terminal);
        Assert.Contains("dr.?[2Jevil<b>[red]x[/]", terminal, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>[red]", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;", html, StringComparison.Ordinal);
    }

    private static string Terminal(ReviewEvidenceSummary summary, ReviewReport report)
    {
        using var output = new StringWriter();
        ReviewTerminalReport.Write(output, summary, report);
        return output.ToString();
    }

    private async Task<(ReviewEvidenceSummary Summary, ReviewReport Report)> DayAsync(Func<ReviewScenario, Task>? extra = null)
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            await using var scenario = new ReviewScenario(store);
            await scenario.RunDayAsync();
            if (extra is not null) await extra(scenario);
        }
        var (summary, evidence) = await ReviewEvidenceSource.LoadAsync(path);
        return (summary, RubberStampDetector.Analyze(evidence));
    }
}
