using MakerChecker.Audit.Events;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Review;

/// <summary>
/// Builds <see cref="ReviewEvidence"/> from the gate's audit events (any <c>IAuditStore.ReadAsync</c>, or a bundle
/// through <c>BundleReader</c>). It reads <c>approval.requested</c> and <c>decision.allowed</c> (automated decisions per
/// skill), <c>approval.decided</c> (sign-offs; a request with one is reviewed), <c>approval.signoff_refused</c> and
/// <c>breakglass.invoked</c> (a use awaiting review until its <c>breakglass.reviewed</c>) and <c>policy.activated</c> (each
/// activation with its diff against the previous policy, and a break-glass activation as a break-glass use), and skips
/// every other event type.
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

        private readonly Dictionary<string, RequestTimeline> _requests = new(StringComparer.Ordinal);

        public void Add(AuditEvent e)
        {
            if (DateTimeOffset.TryParse(e.OccurredAt, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind,
                    out var at))
            {
                Evidence.LastEventAt = at;
            }
            switch (e.EventType)
            {
                case AuditEventTypes.DecisionAllowed:
                    Count(Evidence.AutomatedDecisions, AuditEventReader.Read<DecisionAllowed>(e).Skill);
                    break;
                case AuditEventTypes.ApprovalRequested:
                {
                    var opened = AuditEventReader.Read<ApprovalRequested>(e);
                    _skillOfRequest[opened.RequestId] = opened.Skill;
                    var timeline = new RequestTimeline(opened.RequestId, opened.Skill, opened.RequestedAt, opened.ExpiresAt);
                    _requests[opened.RequestId] = timeline;
                    Evidence.Requests.Add(timeline);
                    // A policy change request is people proposing rules, not an automated decision.
                    if (opened.Skill == Policy.Model.PolicyChangeControl.Skill) break;
                    Evidence.ReviewableSkills.Add(opened.Skill);
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
                    if (skill is not null && skill != Policy.Model.PolicyChangeControl.Skill && _reviewed.Add(d.RequestId))
                    {
                        Count(Evidence.ReviewedDecisions, skill);
                    }
                    if (_requests.GetValueOrDefault(d.RequestId) is { } signed)
                    {
                        signed.FirstSignOffAt ??= d.DecidedAt;
                        if (d.Verdict == SignOffVerdict.Reject) signed.ClosedAt ??= d.DecidedAt;
                    }
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
                case AuditEventTypes.PolicyActivated:
                    var activated = AuditEventReader.Read<PolicyActivated>(e);
                    Activated(e.Seq, activated);
                    if (activated.RequestId is { } change && _requests.GetValueOrDefault(change) is { } ran) ran.ClosedAt ??= activated.ActivatedAt;
                    break;
                case AuditEventTypes.ActionExecuted when e.EntityType == AuditEventWriter.RequestEntity:
                    Close(e.EntityId, at);
                    break;
                case AuditEventTypes.ActionFailed when e.EntityType == AuditEventWriter.RequestEntity:
                    Close(e.EntityId, at);
                    break;
                case AuditEventTypes.ApprovalExpired:
                {
                    var lapse = AuditEventReader.Read<ApprovalExpired>(e);
                    if (_requests.GetValueOrDefault(lapse.RequestId) is { } lapsed)
                    {
                        lapsed.ExpiredAt ??= lapse.ObservedAt;
                        lapsed.ClosedAt ??= lapse.ObservedAt;
                    }
                    break;
                }
                case AuditEventTypes.AppealRecorded:
                {
                    var appeal = AuditEventReader.Read<AppealRecorded>(e);
                    Evidence.Appeals.Add(new AppealRecord(e.Seq, appeal.RequestId, appeal.Skill, appeal.Outcome == Gates.AppealOutcome.Overturned,
                        appeal.Approvers, appeal.RecordedAt));
                    break;
                }
                default:
                    break; // Not review evidence.
            }
        }

        private void Close(string? requestId, DateTimeOffset at)
        {
            if (requestId is not null && _requests.GetValueOrDefault(requestId) is { } request) request.ClosedAt ??= at;
        }

        private System.Text.Json.JsonElement? _previousPolicy;
        private bool _first = true;

        /// <summary>A policy put in force: its rules are diffed against the previous activation's, when the log holds both.</summary>
        private void Activated(long seq, PolicyActivated a)
        {
            var changes = _first || _previousPolicy is not { } before || a.Policy is not { } after ? [] : PolicyDiff.Between(before, after);
            Evidence.PolicyActivations.Add(new PolicyActivationRecord(seq, a.PolicyHash, a.Name, a.Version, a.ActivatedAt, a.ActivatedBy, a.RequestId,
                a.Approvers ?? [], a.Justification, changes, a.Policy is not null));
            if (a.Justification is { } why)
            {
                Evidence.BreakGlassUses.Add(new BreakGlassUse(seq, a.ActivatedBy ?? "", "policy " + a.PolicyHash[..12], why, a.ActivatedAt));
            }

            _previousPolicy = a.Policy;
            if (a.Policy is { } policy && policy.TryGetProperty("roles", out var roles))
            {
                foreach (var grant in roles.EnumerateArray().SelectMany(r => r.GetProperty("grants").EnumerateArray()))
                {
                    if (grant.TryGetProperty("gate", out var gate) && gate.ValueKind == System.Text.Json.JsonValueKind.Object)
                    {
                        Evidence.ReviewableSkills.Add(grant.GetProperty("skill").GetString()!);
                    }
                }
            }
            _first = false;
        }

        private static void Count(IDictionary<string, int> counts, string skill) => counts[skill] = counts.TryGetValue(skill, out var n) ? n + 1 : 1;
    }
}
