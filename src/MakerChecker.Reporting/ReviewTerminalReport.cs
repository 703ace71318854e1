using System.Globalization;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;
using Spectre.Console;

namespace MakerChecker.Reporting;

/// <summary>
/// The report as tables. Colours and box drawing only on an interactive console; redirected output (files, CI logs,
/// tests) is plain ASCII and wide enough not to wrap.
/// </summary>
public static class ReviewTerminalReport
{
    /// <summary>Writes the report to <paramref name="output"/>: verdict, reviewers, findings, coverage and break-glass.</summary>
    /// <param name="output">Where to write; colours only when this is the interactive console.</param>
    /// <param name="summary">What the evidence is and whether it verified.</param>
    /// <param name="report">The detector's report over that evidence.</param>
    public static void Write(TextWriter output, ReviewEvidenceSummary summary, ReviewReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(report);
        var interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive) console.Profile.Width = 200;
        var border = interactive ? TableBorder.Rounded : TableBorder.Ascii;

        console.MarkupLine($"[bold]Review report[/] {E(summary.Path)} ({E(summary.Kind)})");
        console.MarkupLine(summary.Verdict.IsValid
            ? $"Evidence [green]{E(ReportFormat.Verification(summary))}[/]"
            : $"Evidence [bold red]{E(ReportFormat.Verification(summary))}[/]\n"
                + "[bold red]Everything below rests on evidence that failed verification and may have been altered.[/]");
        console.MarkupLine($"Policy hash {E(summary.PolicyHashes.Count == 0 ? "none on record" : string.Join(", ", summary.PolicyHashes))}");
        console.MarkupLine($"Events {summary.EventCount.ToString(CultureInfo.InvariantCulture)}, {E(ReportFormat.Range(summary))}");
        console.WriteLine();

        // Two tables of the same reviewers, each under 80 columns: a reviewer's name is never wrapped or split.
        var dwell = ReviewerTable(border, "Reviewers: dwell and queue", ["Count", "Median dwell", "p10", "p90", "Median queue"]);
        var behaviour = ReviewerTable(border, "Reviewers: pace and outcome",
            ["Fast\nshare", "In\nbursts", "Peak/h", "No\npresentation", "Refused\ntoo fast", "Approval\nrate"]);
        foreach (var r in report.Reviewers)
        {
            var flagged = report.FindingsFor(r.ReviewerId).Any();
            var name = flagged ? $"[bold]{E(r.ReviewerId)}[/]" : E(r.ReviewerId);
            dwell.AddRow(
                name, N(r.Count), ReportFormat.Duration(r.MedianDwellMs), ReportFormat.Duration(r.P10DwellMs), ReportFormat.Duration(r.P90DwellMs),
                ReportFormat.Duration(r.MedianQueueMs));
            behaviour.AddRow(
                name,
                r.FastShare >= report.Options.FastShareWarning ? $"[red]{ReportFormat.Percent(r.FastShare)}[/]" : ReportFormat.Percent(r.FastShare),
                N(r.InBursts), r.PeakPerHour > report.Options.CapacityPerHour ? $"[red]{N(r.PeakPerHour)}[/]" : N(r.PeakPerHour),
                N(r.WithoutPresentation), N(r.RefusedTooFast), ReportFormat.Percent(r.ApprovalRate));
        }
        console.Write(dwell);
        console.WriteLine();
        console.Write(behaviour);
        console.WriteLine();

        console.MarkupLine($"[bold]Findings ({N(report.Findings.Count)})[/]");
        if (report.Findings.Count == 0) console.MarkupLine("No reviewer crossed a threshold.");
        foreach (var f in report.Findings)
        {
            var colour = f.Severity switch { FindingSeverity.High => "red", FindingSeverity.Warning => "yellow", _ => "blue" };
            console.MarkupLine($"  [bold {colour}]{ReportFormat.Severity(f.Severity).ToUpperInvariant(),-7}[/] {E(f.ReviewerId)}  {E(f.Kind)}  "
                + $"({N(f.Count)} sign-offs): {E(f.Message)}");
            var firstSeq = f.Evidence.Count > 0 ? f.Evidence[0].Seq.ToString(CultureInfo.InvariantCulture) : "n/a";
            console.MarkupLine($"          thresholds: {E(ReportFormat.Thresholds(f))}; first evidence seq {firstSeq}");
        }
        console.WriteLine();

        var coverage = new Table
        {
            Border = border,
            Title = new TableTitle($"Review coverage per skill (target at least {ReportFormat.Percent(report.Options.ReviewedShareTarget)})"),
        };
        foreach (var column in new[] { "Skill", "Automated decisions", "Reviewed", "Share", "Target" })
        {
            var alignment = column is "Skill" or "Target" ? Justify.Left : Justify.Right;
            coverage.AddColumn(new TableColumn(column) { Alignment = alignment, NoWrap = column == "Skill" });
        }
        foreach (var c in report.Coverage)
        {
            coverage.AddRow(
                E(c.Skill), N(c.AutomatedDecisions), N(c.Reviewed), ReportFormat.Percent(c.Share), c.MeetsTarget ? "[green]met[/]" : "[red]below[/]");
        }
        console.Write(coverage);
        console.WriteLine();

        console.MarkupLine("[bold]Requests: ageing and lapses per skill[/]");
        foreach (var a in report.Lapses)
        {
            console.MarkupLine($"  {E(a.Skill)}: {N(a.Opened)} opened, {(a.Expired > 0 ? "[red]" + N(a.Expired) + " lapsed[/]" : "0 lapsed")}, "
                + $"{N(a.StillOpen)} still open"
                + (a.OldestOpenAge is { } o ? $" (oldest {o.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)} h)" : ""));
        }
        console.MarkupLine($"[bold]Appeals: overturn rate per approver ({N(report.Appeals.Count)})[/]");
        foreach (var a in report.Appeals)
        {
            console.MarkupLine(
                $"  {E(a.ReviewerId)}: {N(a.Overturned)} of {N(a.Appealed)} appealed approvals overturned ({ReportFormat.Percent(a.OverturnRate)})");
        }
        console.WriteLine();

        console.MarkupLine($"[bold]Policy activations ({N(report.PolicyActivations.Count)})[/]");
        foreach (var a in report.PolicyActivations)
        {
            var who = (a.ActivatedBy ?? "host") + (a.Approvers.Count == 0 ? "" : ", approved by " + string.Join(", ", a.Approvers));
            console.MarkupLine($"  seq {a.Seq.ToString(CultureInfo.InvariantCulture)}  {E(ReportFormat.Time(a.At))}  {E(a.Name)} {E(a.Version ?? "")} "
                + $"{E(a.PolicyHash[..12])}  by {E(who)} ({(a.How == "break-glass" ? "[red]break-glass[/]: \"" + E(a.Justification!) + "\"" : E(a.How))})");
            foreach (var c in a.Changes) console.MarkupLine(c.Weakens ? $"    [red]weakens:[/] {E(c.Text)}" : $"    {E(c.Text)}");
            if (!a.RulesRecorded) console.MarkupLine("    [grey]rules not recorded in this log (older writer)[/]");
        }
        console.WriteLine();

        console.MarkupLine($"[bold]Break-glass awaiting review ({N(report.BreakGlassAwaitingReview.Count)})[/]");
        foreach (var b in report.BreakGlassAwaitingReview)
        {
            console.MarkupLine(
                $"  seq {b.Seq.ToString(CultureInfo.InvariantCulture)}  {E(ReportFormat.Time(b.At))}  {E(b.PrincipalId)} ran {E(b.Skill)}: "
                + $"\"{E(b.Justification)}\"");
        }
    }

    /// <summary>A table of reviewers: the name column never wraps; <paramref name="columns"/> are right-aligned figures.</summary>
    private static Table ReviewerTable(TableBorder border, string title, string[] columns)
    {
        var table = new Table { Border = border, Title = new TableTitle(title) };
        table.AddColumn(new TableColumn("Reviewer") { Alignment = Justify.Left, NoWrap = true });
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(column) { Alignment = Justify.Right });
        }

        return table;
    }

    /// <summary>Evidence text is attacker-controlled: no markup, and no control characters that could drive the terminal.</summary>
    private static string E(string text) => Markup.Escape(string.Concat(text.Select(c => char.IsControl(c) ? '?' : c)));

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
