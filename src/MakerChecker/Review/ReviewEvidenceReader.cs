using System.Text.Json;
using MakerChecker.Audit.Events;
using MakerChecker.Auditing;

namespace MakerChecker.Review;

/// <summary>
/// Builds <see cref="ReviewEvidence"/> from the gate's audit events (any <c>IAuditStore.ReadAsync</c>, or a bundle
/// through <c>BundleReader</c>). It reads <c>approval.requested</c> and <c>decision.allowed</c> (automated decisions per
/// skill), <c>approval.decided</c> (sign-offs; a request with one is reviewed), <c>approval.signoff_refused</c> and
/// <c>breakglass.invoked</c>, and skips every other event type.
/// </summary>
public static class ReviewEvidenceReader
{
    /// <summary>Reads the events to their end.</summary>
    /// <param name="events">Audit events in log order.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="ReviewEvidenceException">An event of a type the detector reads has a malformed payload.</exception>
    public static async Task<ReviewEvidence> ReadAsync(IAsyncEnumerable<AuditEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var builder = new Builder();
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false)) builder.Add(e);
        return builder.Evidence;
    }

    /// <summary>Reads events already in memory.</summary>
    /// <param name="events">Audit events in log order.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="ReviewEvidenceException">An event of a type the detector reads has a malformed payload.</exception>
    public static ReviewEvidence Read(IEnumerable<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var builder = new Builder();
        foreach (var e in events) builder.Add(e);
        return builder.Evidence;
    }

    private sealed class Builder
    {
        private readonly Dictionary<string, string> _skillOfRequest = new(StringComparer.Ordinal);
        private readonly HashSet<string> _reviewed = new(StringComparer.Ordinal);

        public ReviewEvidence Evidence { get; } = new();

        public void Add(AuditEvent e)
        {
            switch (e.EventType)
            {
                case AuditEventTypes.DecisionAllowed:
                    Count(Evidence.AutomatedDecisions, new Payload(e).String("skill"));
                    break;
                case AuditEventTypes.ApprovalRequested:
                {
                    var p = new Payload(e);
                    var skill = p.String("skill");
                    _skillOfRequest[p.String("requestId")] = skill;
                    Count(Evidence.AutomatedDecisions, skill);
                    break;
                }
                case AuditEventTypes.ApprovalDecided:
                {
                    var p = new Payload(e);
                    var requestId = p.String("requestId");
                    var skill = p.OptionalString("skill") ?? _skillOfRequest.GetValueOrDefault(requestId);
                    Evidence.SignOffs.Add(new SignOffRecord(e.Seq, requestId, p.String("reviewerId"), skill, p.Verdict(),
                        p.Time("requestedAt"), p.OptionalTime("presentedAt"), p.Time("decidedAt"), p.OptionalString("reason")));
                    if (skill is not null && _reviewed.Add(requestId)) Count(Evidence.ReviewedDecisions, skill);
                    break;
                }
                case AuditEventTypes.SignOffRefused:
                {
                    var p = new Payload(e);
                    Evidence.RefusedSignOffs.Add(new RefusedSignOff(e.Seq, p.String("requestId"), p.String("reviewerId"), p.String("reasonCode"), p.Time("decidedAt"), p.OptionalLong("dwellMs")));
                    break;
                }
                case AuditEventTypes.BreakGlassInvoked:
                {
                    var p = new Payload(e);
                    Evidence.BreakGlassUses.Add(new BreakGlassUse(e.Seq, p.String("principalId"), p.String("skill"), p.String("justification"), p.Time("decidedAt")));
                    break;
                }
                default:
                    break; // Not review evidence.
            }
        }

        private static void Count(IDictionary<string, int> counts, string skill) => counts[skill] = counts.TryGetValue(skill, out var n) ? n + 1 : 1;
    }

    /// <summary>Typed access to one event's payload; every failure names the event.</summary>
    private readonly struct Payload(AuditEvent e)
    {
        public string String(string name) => OptionalString(name) ?? throw Bad($"the field '{name}' is missing or null");

        public string? OptionalString(string name) => Field(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } v => v.GetString(),
            _ => throw Bad($"the field '{name}' is not a string"),
        };

        public long? OptionalLong(string name) => Field(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt64(out var n) => n,
            _ => throw Bad($"the field '{name}' is not a whole number"),
        };

        public DateTimeOffset Time(string name) => OptionalTime(name) ?? throw Bad($"the field '{name}' is missing or null");

        public DateTimeOffset? OptionalTime(string name)
        {
            var text = OptionalString(name);
            if (text is null) return null;
            try
            {
                return AuditTime.Parse(text);
            }
            catch (FormatException)
            {
                throw Bad($"the field '{name}' is not a time ('{text}')");
            }
        }

        public bool Verdict() => String("verdict") switch
        {
            "approve" => true,
            "reject" => false,
            var other => throw Bad($"the field 'verdict' is '{other}', not 'approve' or 'reject'"),
        };

        private JsonElement? Field(string name)
        {
            if (e.Payload.ValueKind != JsonValueKind.Object) throw Bad("the payload is not a JSON object");
            return e.Payload.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
        }

        private ReviewEvidenceException Bad(string problem) => new(e.Seq, e.EventType, problem);
    }
}
