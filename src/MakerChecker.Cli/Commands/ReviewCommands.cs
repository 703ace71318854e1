using MakerChecker.Review.Reporting;
using System.CommandLine;
using System.Globalization;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Reporting;
using MakerChecker.Review;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker review report PATH</c>: the rubber-stamp detector over a bundle or a file store.</summary>
internal static class ReviewCommands
{
    internal static Command Create(TextWriter output)
    {
        var review = new Command("review", "Find rubber-stamping in audit evidence.");
        review.Subcommands.Add(Report(output));
        return review;
    }

    private static Command Report(TextWriter output)
    {
        var path = new Argument<string>("PATH") { Description = Logs.AuditLogLocation.Description };
        ArgumentChecks.RejectOptionLikePaths(path);
        var html = new Option<FileInfo?>("--html") { Description = "Also write a self-contained HTML report to this file." };
        var json = new Option<bool>("--json") { Description = "Write machine-readable JSON instead of tables." };
        var key = new Option<FileInfo?>("--key")
        {
            Description = "Pin the instance's public key (SPKI PEM): a bundle signed by any other key fails verification (bundles only).",
        };
        var fastDwell = DurationOption("--fast-dwell", "A sign-off with less dwell than this counts as fast (default 10s).");
        var burstWindow = DurationOption("--burst-window", "The window of a burst (default 60s).");
        var burstCount = new Option<int?>("--burst-count")
        {
            Description = "Sign-offs with one outcome within the burst window that make a burst (default 10).",
        };
        var capacity = new Option<int?>("--capacity") { Description = "Plausible sign-offs per hour; more in any hour is flagged (default 60)." };
        var target = new Option<double?>("--coverage-target")
        {
            Description = "Share of automated decisions per skill that should be reviewed, 0 to 1 (default 0.05).",
        };
        var failOn = new Option<string?>("--fail-on") { Description = "Exit 1 when there is a finding of this severity or worse: high or warning." };
        failOn.AcceptOnlyFromAmong("high", "warning");

        var report = new Command(
            "report",
            "Report per-reviewer dwell, bursts and capacity, findings with their thresholds, review coverage per skill and break-glass awaiting review. " +
            "Exit 0 when the report is made, 1 when the evidence is unreadable or fails verification, 2 on usage errors.");
        report.Arguments.Add(path);
        foreach (var option in new Option[] { html, json, key, fastDwell, burstWindow, burstCount, capacity, target, failOn }) report.Options.Add(option);
        report.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ReviewDetectionOptions();
            if (parse.GetValue(fastDwell) is { } fd) options.FastDwell = fd;
            if (parse.GetValue(burstWindow) is { } bw) options.BurstWindow = bw;
            if (parse.GetValue(burstCount) is { } bc) options.BurstCount = bc;
            if (parse.GetValue(capacity) is { } cap) options.CapacityPerHour = cap;
            if (parse.GetValue(target) is { } t) options.ReviewedShareTarget = t;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!Logs.AuditLogLocation.TryParse(parse.GetValue(path)!, out var log, out var invalid))
            {
                return await ArgumentChecks.UsageAsync(error, invalid!, cancellationToken).ConfigureAwait(false);
            }

            var file = log!.Display;
            if (log.IsMissingFile)
            {
                await error.WriteLineAsync($"error: '{file}' does not exist. Pass an evidence bundle or a file store (.jsonl).").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (parse.GetValue(key) is not null && log.Kind is Logs.AuditLogKind.Sqlite or Logs.AuditLogKind.Postgres)
            {
                return await ArgumentChecks.UsageAsync(error, ArgumentChecks.KeyDoesNotApplyToStore, cancellationToken).ConfigureAwait(false);
            }

            string? pinnedPem = null;
            if (parse.GetValue(key) is { } keyFile)
            {
                if (await ArgumentChecks.ReadPinnedKeyAsync(keyFile, error, cancellationToken).ConfigureAwait(false) is not { } pinned) return ExitCodes.Usage;
                pinnedPem = pinned.Pem;
            }

            ReviewEvidenceSummary summary;
            ReviewReport result;
            try
            {
                var bundleOptions = new BundleVerifierOptions { PinnedPublicKeyPem = pinnedPem };
                var (s, evidence) = await LoadAsync(log, bundleOptions, cancellationToken).ConfigureAwait(false);
                summary = s;
                result = RubberStampDetector.Analyze(evidence, options);
            }
            catch (ArgumentException) when (pinnedPem is not null)
            {
                // The evidence is a live store (told by its content, whatever its extension): there is no signature to pin.
                return await ArgumentChecks.UsageAsync(error, ArgumentChecks.KeyDoesNotApplyToStore, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CanonicalJsonException or AuditStoreException or FormatException or IOException
                or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot read the evidence in '{file}': {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            if (parse.GetValue(json)) await output.WriteLineAsync(ReviewJsonReport.Render(summary, result).AsMemory(), cancellationToken).ConfigureAwait(false);
            else ReviewTerminalReport.Write(output, summary, result);

            if (parse.GetValue(html) is { } htmlFile)
            {
                await File.WriteAllTextAsync(htmlFile.FullName, ReviewHtmlReport.Render(summary, result), cancellationToken).ConfigureAwait(false);
                if (!parse.GetValue(json)) await output.WriteLineAsync($"HTML report: {htmlFile.FullName}".AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            if (!summary.Verdict.IsValid)
            {
                await error.WriteLineAsync(
                    $"error: the evidence failed verification ({summary.Verdict}); the report above rests on evidence that may have been altered.")
                    .ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            var worst = result.Findings.Count == 0 ? (FindingSeverity?)null : result.Findings.Max(f => f.Severity);
            return parse.GetValue(failOn) switch
            {
                "high" when worst >= FindingSeverity.High => ExitCodes.Failure,
                "warning" when worst >= FindingSeverity.Warning => ExitCodes.Failure,
                _ => ExitCodes.Success,
            };
        });
        return report;
    }

    /// <summary>A bundle or file store by path (told by its content), a database store opened read-only.</summary>
    private static async Task<(ReviewEvidenceSummary, ReviewEvidence)> LoadAsync(
        Logs.AuditLogLocation log, BundleVerifierOptions bundleOptions, CancellationToken cancellationToken)
    {
        if (log.Kind is Logs.AuditLogKind.Bundle or Logs.AuditLogKind.File)
        {
            return await ReviewEvidenceSource.LoadAsync(log.Target, bundleOptions, cancellationToken).ConfigureAwait(false);
        }

        await using var store = await log.OpenReadOnlyAsync(cancellationToken).ConfigureAwait(false);
        var kind = log.Kind == Logs.AuditLogKind.Sqlite ? "SQLite store" : "PostgreSQL store";
        return await ReviewEvidenceSource.LoadStoreAsync(store, log.Display, kind, cancellationToken).ConfigureAwait(false);
    }

    private static Option<TimeSpan?> DurationOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (TryParseDuration(text, out var value)) return value;
            result.AddError($"'{text}' is not a duration for {name}: write a positive number with ms, s, m or h, for example 10s or 1.5m.");
            return null;
        },
    };

    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        var unit = text.EndsWith("ms", StringComparison.Ordinal) ? "ms" : text.Length > 0 ? text[^1..] : "";
        var scale = unit switch { "ms" => 0.001, "s" => 1, "m" => 60, "h" => 3600, _ => 0 };
        if (scale == 0
            || !double.TryParse(text[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
            || number <= 0)
        {
            return false;
        }
        value = TimeSpan.FromSeconds(number * scale);
        return true;
    }
}
