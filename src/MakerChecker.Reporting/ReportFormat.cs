using System.Globalization;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting;

/// <summary>How figures read in every form of the report, so the terminal and the HTML say the same thing.</summary>
internal static class ReportFormat
{
    public static string Duration(long? ms) => ms switch
    {
        null => "n/a",
        < 1000 => $"{ms} ms",
        < 60_000 => (ms.Value / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + " s",
        < 3_600_000 => (ms.Value / 60_000.0).ToString("0.#", CultureInfo.InvariantCulture) + " min",
        _ => (ms.Value / 3_600_000.0).ToString("0.#", CultureInfo.InvariantCulture) + " h",
    };

    public static string Duration(TimeSpan span) => Duration((long)span.TotalMilliseconds);

    public static string Percent(double share) => share.ToString("0.#%", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    public static string ShortTime(DateTimeOffset at) => at.UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Severity(FindingSeverity severity) => severity.ToString().ToLowerInvariant();

    public static string Thresholds(ReviewFinding finding) => string.Join(", ", finding.Thresholds.Select(t => $"{t.Key} = {t.Value}"));

    public static string Verification(ReviewEvidenceSummary summary) => summary.Verdict.IsValid
        ? $"verified: {summary.Verdict.EventCount} events, signing key {summary.Verdict.KeyFingerprint ?? "none (a live store is not signed)"}"
        : $"NOT VERIFIED: {summary.Verdict.ReasonCode}: {summary.Verdict.Reason}" + (summary.Verdict.FailedSeq is { } seq ? $" (first failing seq {seq})" : "");

    public static string Range(ReviewEvidenceSummary summary) => summary.From is null ? "no events" : $"{summary.From} to {summary.To}";
}
