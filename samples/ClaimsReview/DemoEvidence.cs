using System.Globalization;
using System.Text;
using System.Text.Json;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Review;

namespace ClaimsReview;

/// <summary>
/// Reads the gate's audit events into what the rubber-stamp detector needs, and writes a plain review summary.
/// Deliberately small and private to the demo: the CLI's <c>makerchecker review report</c> reads any bundle or store.
/// </summary>
internal static class DemoEvidence
{
    public static async Task<ReviewEvidence> ReadAsync(IAuditStore store, CancellationToken cancellationToken)
    {
        var evidence = new ReviewEvidence();
        var automated = new HashSet<string>(StringComparer.Ordinal); // requests an agent opened, not yet counted as reviewed
        await foreach (var e in store.ReadAsync(1, cancellationToken))
        {
            var p = e.Payload;
            switch (e.EventType)
            {
                case AuditEventTypes.ApprovalDecided:
                    evidence.SignOffs.Add(new SignOffRecord(e.Seq, Text(p, "requestId")!, Text(p, "reviewerId")!, Text(p, "skill"),
                        Text(p, "verdict") == "approve", Time(p, "requestedAt")!.Value, Time(p, "presentedAt"), Time(p, "decidedAt")!.Value, Text(p, "reason")));
                    if (automated.Remove(Text(p, "requestId")!)) Count(evidence.ReviewedDecisions, Text(p, "skill"));
                    break;
                case AuditEventTypes.SignOffRefused:
                    evidence.RefusedSignOffs.Add(new RefusedSignOff(e.Seq, Text(p, "requestId")!, Text(p, "reviewerId")!, Text(p, "reasonCode")!,
                        Time(p, "decidedAt")!.Value, p.TryGetProperty("dwellMs", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt64() : null));
                    break;
                case AuditEventTypes.DecisionAllowed or AuditEventTypes.ApprovalRequested when e.Actor.Kind == "agent":
                    Count(evidence.AutomatedDecisions, Text(p, "skill"));
                    if (e.EventType == AuditEventTypes.ApprovalRequested && Text(p, "requestId") is { } id) automated.Add(id);
                    break;
            }
        }
        return evidence;
    }

    public static string Summary(ReviewReport report, string bundle)
    {
        var md = new StringBuilder();
        md.AppendLine("# Review summary").AppendLine()
          .AppendLine(CultureInfo.InvariantCulture, $"Evidence: `{bundle}`. Sign-off timings are taken from the signed audit events.").AppendLine()
          .AppendLine("| reviewer | sign-offs | median dwell (s) | p10 (s) | p90 (s) | under threshold | approval rate | findings |")
          .AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in report.Reviewers)
        {
            var kinds = string.Join(", ", report.FindingsFor(r.ReviewerId).Select(f => $"{f.Kind} ({f.Severity.ToString().ToLowerInvariant()})"));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.ReviewerId} | {r.Count} | {Seconds(r.MedianDwellMs)} | {Seconds(r.P10DwellMs)} | {Seconds(r.P90DwellMs)} | {r.FastCount} | {r.ApprovalRate * 100:0}% | {(kinds.Length == 0 ? "none" : kinds)} |");
        }
        md.AppendLine().AppendLine("## Findings").AppendLine();
        foreach (var f in report.Findings)
        {
            var thresholds = string.Join(", ", f.Thresholds.Select(t => $"{t.Key} = {t.Value}"));
            var first = string.Join(", ", f.Evidence.Take(5).Select(x => $"seq {x.Seq}"));
            md.AppendLine(CultureInfo.InvariantCulture, $"- **{f.ReviewerId}**, {f.Kind} ({f.Severity.ToString().ToLowerInvariant()}): {f.Message} Thresholds: {thresholds}. {f.Count} sign-off(s); first evidence rows: {first}.");
        }
        if (report.Findings.Count == 0) md.AppendLine("None.");
        md.AppendLine().AppendLine("## Review coverage per skill").AppendLine();
        foreach (var c in report.Coverage)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {c.Skill}: {c.Reviewed} of {c.AutomatedDecisions} automated decisions reviewed by a human ({c.Share * 100:0.#}%, target {c.Target * 100:0.#}%: {(c.MeetsTarget ? "met" : "not met")}).");
        }
        md.AppendLine().AppendLine("A gate can require a named reviewer and record how long they had each case; it cannot make them read it. " +
            "These figures make the pattern provable from the signed log.");
        return md.ToString();
    }

    private static string Seconds(long? ms) => ms is { } v ? (v / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) : "-";

    private static void Count(IDictionary<string, int> counts, string? skill)
    {
        if (skill is not null) counts[skill] = counts.TryGetValue(skill, out var n) ? n + 1 : 1;
    }

    private static string? Text(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Time(JsonElement payload, string name) =>
        Text(payload, name) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : null;
}
