using MakerChecker.Audit.Events;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Review;

/// <summary>
/// Builds <see cref="ReviewEvidence"/> from the gate's audit events (any <c>IAuditStore.ReadAsync</c>, or a bundle
/// through <c>BundleReader</c>). It reads <c>approval.requested</c> and <c>decision.allowed</c> (automated decisions per
/// skill), <c>approval.decided</c> (sign-offs; a request with one is reviewed), <c>approval.signoff_refused</c> and
/// <c>breakglass.invoked</c> (a use awaiting review until its <c>breakglass.reviewed</c>), and skips every other event type.
/// </summary>
public static class ReviewEvidenceReader
{
    /// <summary>Reads the events to their end.</summary>
    /// <param name="events">Audit events in log order.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The evidence.</returns>
    /// <exception cref="AuditEventFormatException">An event of a type the detector reads has a malformed payload.</exception>
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
    /// <exception cref="AuditEventFormatException">An event of a type the detector reads has a malformed payload.</exception>
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
        private readonly Dictionary<string, BreakGlassUse> _breakGlass = new(StringComparer.Ordinal);

        public ReviewEvidence Evidence { get; } = new();

        public void Add(AuditEvent e)
        {
            switch (e.EventType)
            {
                case AuditEventTypes.DecisionAllowed:
                    Count(Evidence.AutomatedDecisions, AuditEventReader.Read<DecisionAllowed>(e).Skill);
                    break;
                case AuditEventTypes.ApprovalRequested:
                {
                    var opened = AuditEventReader.Read<ApprovalRequested>(e);
                    _skillOfRequest[opened.RequestId] = opened.Skill;
                    Count(Evidence.AutomatedDecisions, opened.Skill);
                    break;
                }
                case AuditEventTypes.ApprovalDecided:
                {
                    var d = AuditEventReader.Read<ApprovalDecided>(e);
                    // Logs written before sign-off events carried the skill: take it from the request.
                    var skill = d.Skill ?? _skillOfRequest.GetValueOrDefault(d.RequestId);
                    Evidence.SignOffs.Add(new SignOffRecord(
                        e.Seq, d.RequestId, d.ReviewerId, skill, d.Verdict == SignOffVerdict.Approve, d.RequestedAt, d.PresentedAt, d.DecidedAt, d.Reason));
                    if (skill is not null && _reviewed.Add(d.RequestId)) Count(Evidence.ReviewedDecisions, skill);
                    break;
                }
                case AuditEventTypes.SignOffRefused:
                {
                    var r = AuditEventReader.Read<SignOffRefused>(e);
                    Evidence.RefusedSignOffs.Add(new RefusedSignOff(e.Seq, r.RequestId, r.ReviewerId, r.ReasonCode, r.DecidedAt, r.DwellMs));
                    break;
                }
                case AuditEventTypes.BreakGlassInvoked:
                {
                    var b = AuditEventReader.Read<BreakGlassInvoked>(e);
                    var use = new BreakGlassUse(e.Seq, b.PrincipalId, b.Skill, b.Justification, b.DecidedAt);
                    _breakGlass[b.InvocationId] = use;
                    Evidence.BreakGlassUses.Add(use);
                    break;
                }
                case AuditEventTypes.BreakGlassReviewed:
                {
                    // A reviewed use no longer awaits review.
                    var r = AuditEventReader.Read<BreakGlassReviewed>(e);
                    if (_breakGlass.Remove(r.InvocationId, out var reviewed)) Evidence.BreakGlassUses.Remove(reviewed);
                    break;
                }
                default:
                    break; // Not review evidence.
            }
        }

        private static void Count(IDictionary<string, int> counts, string skill) => counts[skill] = counts.TryGetValue(skill, out var n) ? n + 1 : 1;
    }
}
