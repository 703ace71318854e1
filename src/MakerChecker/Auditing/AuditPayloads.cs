using MakerChecker.Audit.Events;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing;

/// <summary>
/// Builds the gate's audit entries from its decisions: which catalogue record (<see cref="AuditEventCatalogue"/>), with
/// which actor and entity. It takes plain values, never gate state, so the catalogue depends on nothing in <c>Gates</c>.
/// </summary>
internal static class AuditPayloads
{
    public const string RequestEntity = AuditEventWriter.RequestEntity;
    public const string InvocationEntity = AuditEventWriter.InvocationEntity;

    public static AuditActor Actor(PrincipalDefinition? principal, string id) =>
        principal is null ? new AuditActor("unknown", id) : new AuditActor(KindName(principal.Kind), principal.Id, principal.Role);

    public static string KindName(PrincipalKind kind) => kind switch
    {
        PrincipalKind.Agent => "agent",
        PrincipalKind.Human => "human",
        _ => "service",
    };

    public static AuditEntry PolicyActivated(CompiledPolicy policy, DateTimeOffset at) => AuditEventWriter.ToEntry(
        new Events.PolicyActivated(policy.Hash, policy.Name, policy.Version, policy.Source, at),
        AuditActor.System, AuditEventWriter.PolicyEntity, policy.Hash);

    public static AuditEntry PrincipalRegistered(string policyHash, PrincipalDefinition p, DateTimeOffset at) => AuditEventWriter.ToEntry(
        new Events.PrincipalRegistered(policyHash, p.Id, p.Kind, p.Role, p.Status, p.Owner, at),
        AuditActor.System, AuditEventWriter.PrincipalEntity, p.Id);

    /// <summary><c>decision.allowed</c>, <c>decision.refused</c> (stage <c>invoke</c> or <c>break_glass</c>).</summary>
    public static AuditEntry Decision(
        in Decision d, PrincipalDefinition? principal, string invocationId, string payloadDigest, DateTimeOffset at, bool counted, string stage = "invoke")
    {
        var actor = Actor(principal, d.PrincipalId);
        return d.Outcome == DecisionOutcome.Allowed
            ? AuditEventWriter.ToEntry(
                new DecisionAllowed(d.PolicyHash, d.PrincipalId, d.Skill, d.ReasonCode, Rule(d.Rule), stage, payloadDigest, at, counted),
                actor, InvocationEntity, invocationId)
            : AuditEventWriter.ToEntry(
                new DecisionRefused(d.PolicyHash, d.PrincipalId, d.Skill, d.ReasonCode, Rule(d.Rule), stage, payloadDigest, at, counted),
                actor, InvocationEntity, invocationId);
    }

    /// <summary><c>decision.refused</c> for a refused execution or break-glass, about a request or invocation.</summary>
    public static AuditEntry Refused(
        string policyHash, PrincipalDefinition? principal, string principalId, string skill, string code, SourceLocation rule, string entityType,
        string entityId, string? payloadDigest, DateTimeOffset at, string stage) => AuditEventWriter.ToEntry(
        new DecisionRefused(policyHash, principalId, skill, code, Rule(rule), stage, payloadDigest, at, Counted: false),
        Actor(principal, principalId), entityType, entityId);

    public static AuditEntry ApprovalRequested(
        in Decision d, PrincipalDefinition requester, string requestId, string payloadDigest, RecordedBasis? basis, DateTimeOffset at,
        DateTimeOffset expiresAt, int required, bool counted) => AuditEventWriter.ToEntry(
        new Events.ApprovalRequested(
            d.PolicyHash, requestId, requester.Id, d.Skill, d.ReasonCode, Rule(d.Rule), payloadDigest, d.Sampled, required, at, expiresAt, counted, basis),
        Actor(requester, requester.Id), RequestEntity, requestId);

    public static AuditEntry Presented(string policyHash, PrincipalDefinition reviewer, string requestId, string payloadDigest, DateTimeOffset at) =>
        AuditEventWriter.ToEntry(
            new ApprovalPresented(policyHash, requestId, reviewer.Id, payloadDigest, at), Actor(reviewer, reviewer.Id), RequestEntity, requestId);

    /// <summary><c>approval.decided</c> (accepted) or <c>approval.signoff_refused</c> (with <paramref name="refusedCode"/>).</summary>
    public static AuditEntry SignOff(
        string policyHash, PrincipalDefinition? reviewer, string reviewerId, string requestId, string skill, string payloadDigest, DateTimeOffset requestedAt,
        bool approve, string? reason, DateTimeOffset? presentedAt, DateTimeOffset at, SourceLocation rule, string? refusedCode)
    {
        var verdict = approve ? SignOffVerdict.Approve : SignOffVerdict.Reject;
        long? dwellMs = presentedAt is { } p ? (long)(at - p).TotalMilliseconds : null;
        long? queueMs = presentedAt is { } q ? (long)(q - requestedAt).TotalMilliseconds : null;
        var actor = Actor(reviewer, reviewerId);
        return refusedCode is null
            ? AuditEventWriter.ToEntry(
                new ApprovalDecided(policyHash, requestId, reviewerId, verdict, reason, ReasonCodes.SignedOff, Rule(rule), payloadDigest, requestedAt, presentedAt,
                    at, dwellMs, queueMs, skill),
                actor, RequestEntity, requestId)
            : AuditEventWriter.ToEntry(
                new SignOffRefused(policyHash, requestId, reviewerId, verdict, reason, refusedCode, Rule(rule), payloadDigest, requestedAt, presentedAt,
                    at, dwellMs, queueMs, skill),
                actor, RequestEntity, requestId);
    }

    public static AuditEntry ActionStarted(
        string policyHash, PrincipalDefinition executor, string requestId, string skill, string payloadDigest, IReadOnlyList<string> approvers,
        SourceLocation rule, DateTimeOffset at) => AuditEventWriter.ToEntry(
        new Events.ActionStarted(policyHash, requestId, executor.Id, skill, ReasonCodes.Executed, Rule(rule), payloadDigest, approvers, at),
        Actor(executor, executor.Id), RequestEntity, requestId);

    /// <summary><c>action.executed</c> or, with <paramref name="error"/>, <c>action.failed</c>.</summary>
    public static AuditEntry ActionOutcome(
        string policyHash, PrincipalDefinition principal, string skill, string entityType, string entityId, DateTimeOffset at, Exception? error)
    {
        var actor = Actor(principal, principal.Id);
        var requestId = entityType == RequestEntity ? entityId : null;
        var invocationId = entityType == RequestEntity ? null : entityId;
        // Only the exception's type: its message may carry the payload's personal data into the log.
        return error is null
            ? AuditEventWriter.ToEntry(new ActionExecuted(policyHash, principal.Id, skill, null, at, requestId, invocationId), actor, entityType, entityId)
            : AuditEventWriter.ToEntry(
                new ActionFailed(policyHash, principal.Id, skill, error.GetType().FullName!, at, requestId, invocationId), actor, entityType, entityId);
    }

    public static AuditEntry BreakGlass(
        in Decision d, PrincipalDefinition principal, string invocationId, string payloadDigest, string justification, DateTimeOffset at, bool counted) =>
        AuditEventWriter.ToEntry(
            new BreakGlassInvoked(
                d.PolicyHash, invocationId, principal.Id, d.Skill, ReasonCodes.BreakGlass, Rule(d.Rule), justification, payloadDigest, at, counted, ReviewRequired: true),
            Actor(principal, principal.Id), InvocationEntity, invocationId);

    private static string? Rule(SourceLocation rule) => rule.File is null ? null : rule.ToString();
}
