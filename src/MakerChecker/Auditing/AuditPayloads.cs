using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
    /// <summary>The actor of an event by <paramref name="principal"/>: made once per principal definition (they are immutable) and shared.</summary>
    public static AuditActor Actor(PrincipalDefinition? principal, string id) =>
        principal is null ? new AuditActor("unknown", id) : Actors.GetValue(principal, static p => new AuditActor(KindName(p.Kind), p.Id, p.Role));

    private static readonly ConditionalWeakTable<PrincipalDefinition, AuditActor> Actors = new();

    public static string KindName(PrincipalKind kind) => kind switch
    {
        PrincipalKind.Agent => "agent",
        PrincipalKind.Human => "human",
        _ => "service",
    };

    /// <summary>
    /// <c>policy.activated</c> with the policy's canonical form (never the producer's file path): by the host (no
    /// <paramref name="by"/>), through an approved change request, or under break-glass (with a justification).
    /// </summary>
    public static GateEntry PolicyActivated(
        CompiledPolicy policy, DateTimeOffset at, PrincipalDefinition? by = null, string? requestId = null, IReadOnlyList<string>? approvers = null,
        string? justification = null) => Applied(
        new Events.PolicyActivated(policy.Hash, policy.Name, policy.Version, at, Policy: policy.CanonicalForm, ActivatedBy: by?.Id, RequestId: requestId,
            Approvers: approvers, Justification: justification),
        by is null ? AuditActor.System : Actor(by, by.Id), AuditEventWriter.PolicyEntity, policy.Hash);

    /// <summary><c>approval.expired</c>, by the gate (actor <c>system</c>) that first observed the lapse.</summary>
    public static GateEntry Expired(string policyHash, string requestId, string requesterId, string skill, DateTimeOffset requestedAt,
        DateTimeOffset expiresAt, DateTimeOffset observedAt, int approvals, int required) => Applied(
        new ApprovalExpired(policyHash, requestId, requesterId, skill, ReasonCodes.RequestExpired, requestedAt, expiresAt, observedAt, approvals, required),
        AuditActor.System, AuditEventWriter.RequestEntity, requestId);

    /// <summary><c>appeal.recorded</c> against an executed request.</summary>
    public static GateEntry Appeal(string policyHash, PrincipalDefinition recorder, string requestId, string skill, Gates.AppealOutcome outcome,
        string? reason, IReadOnlyList<string> approvers, DateTimeOffset at) => Applied(
        new AppealRecorded(policyHash, requestId, skill, outcome, recorder.Id, reason, approvers, at),
        Actor(recorder, recorder.Id), AuditEventWriter.RequestEntity, requestId);

    public static GateEntry PrincipalRegistered(string policyHash, PrincipalDefinition p, DateTimeOffset at) => Applied(
        new Events.PrincipalRegistered(policyHash, p.Id, p.Kind, p.Role, p.Status, p.Owner, at),
        AuditActor.System, AuditEventWriter.PrincipalEntity, p.Id);

    /// <summary><c>decision.allowed</c>, <c>decision.refused</c> (stage <c>invoke</c> or <c>break_glass</c>).</summary>
    public static GateEntry Decision(
        in Decision d, PrincipalDefinition? principal, string invocationId, string payloadDigest, DateTimeOffset at, bool counted, string stage = "invoke",
        string? idempotencyKey = null)
    {
        var actor = Actor(principal, d.PrincipalId);
        // Applied live: the projection tracks an allowed invocation until its outcome (and for good, when it has a key).
        return d.Outcome == DecisionOutcome.Allowed
            ? Applied(
                new DecisionAllowed(d.PolicyHash, d.PrincipalId, d.Skill, d.ReasonCode, Rule(d.Rule), stage, payloadDigest, at, counted, idempotencyKey),
                actor, AuditEventWriter.InvocationEntity, invocationId)
            : Unapplied(
                new DecisionRefused(d.PolicyHash, d.PrincipalId, d.Skill, d.ReasonCode, Rule(d.Rule), stage, payloadDigest, at, counted),
                actor, AuditEventWriter.InvocationEntity, invocationId);
    }

    /// <summary><c>decision.refused</c> for a refused execution or break-glass, about a request or invocation.</summary>
    public static GateEntry Refused(
        string policyHash, PrincipalDefinition? principal, string principalId, string skill, string code, SourceLocation rule, string entityType,
        string entityId, string? payloadDigest, DateTimeOffset at, string stage) => Unapplied(
        new DecisionRefused(policyHash, principalId, skill, code, Rule(rule), stage, payloadDigest, at, Counted: false),
        Actor(principal, principalId), entityType, entityId);

    public static GateEntry ApprovalRequested(
        in Decision d, PrincipalDefinition requester, string requestId, string payloadDigest, RecordedBasis? basis, DateTimeOffset at,
        DateTimeOffset expiresAt, int required, bool counted, string? idempotencyKey = null) => Applied(
        new Events.ApprovalRequested(
            d.PolicyHash, requestId, requester.Id, d.Skill, d.ReasonCode, Rule(d.Rule), payloadDigest, d.Sampled, required, at, expiresAt, counted, basis,
            idempotencyKey),
        Actor(requester, requester.Id), AuditEventWriter.RequestEntity, requestId);

    public static GateEntry Presented(string policyHash, PrincipalDefinition reviewer, string requestId, string payloadDigest, DateTimeOffset at) =>
        Applied(
            new ApprovalPresented(policyHash, requestId, reviewer.Id, payloadDigest, at), Actor(reviewer, reviewer.Id),
            AuditEventWriter.RequestEntity, requestId);

    /// <summary><c>approval.decided</c> (accepted) or <c>approval.signoff_refused</c> (with <paramref name="refusedCode"/>).</summary>
    public static GateEntry SignOff(
        string policyHash, PrincipalDefinition? reviewer, string reviewerId, string requestId, string skill, string payloadDigest, DateTimeOffset requestedAt,
        bool approve, string? reason, DateTimeOffset? presentedAt, DateTimeOffset at, SourceLocation rule, string? refusedCode)
    {
        var verdict = approve ? SignOffVerdict.Approve : SignOffVerdict.Reject;
        long? dwellMs = presentedAt is { } p ? (long)(at - p).TotalMilliseconds : null;
        long? queueMs = presentedAt is { } q ? (long)(q - requestedAt).TotalMilliseconds : null;
        var actor = Actor(reviewer, reviewerId);
        return refusedCode is null
            ? Applied(
                new ApprovalDecided(
                    policyHash, requestId, reviewerId, verdict, reason, ReasonCodes.SignedOff, Rule(rule), payloadDigest, requestedAt, presentedAt, at, dwellMs,
                    queueMs, skill),
                actor, AuditEventWriter.RequestEntity, requestId)
            : Unapplied(
                new SignOffRefused(
                    policyHash, requestId, reviewerId, verdict, reason, refusedCode, Rule(rule), payloadDigest, requestedAt, presentedAt, at, dwellMs,
                    queueMs, skill),
                actor, AuditEventWriter.RequestEntity, requestId);
    }

    /// <summary><c>action.started</c>; <paramref name="executionId"/> names this one execution, which its outcome repeats.</summary>
    public static GateEntry ActionStarted(
        string policyHash, PrincipalDefinition executor, string requestId, string skill, string payloadDigest, string executionId,
        IReadOnlyList<string> approvers, SourceLocation rule, DateTimeOffset at) => Applied(
        new Events.ActionStarted(policyHash, requestId, executor.Id, skill, ReasonCodes.Executed, Rule(rule), payloadDigest, approvers, at, executionId),
        Actor(executor, executor.Id), AuditEventWriter.RequestEntity, requestId);

    /// <summary>
    /// <c>action.executed</c> or, with <paramref name="error"/>, <c>action.failed</c>. A request's outcome carries the
    /// <paramref name="executionId"/> of its <c>action.started</c>.
    /// </summary>
    public static GateEntry ActionOutcome(
        string policyHash, PrincipalDefinition principal, string skill, string entityType, string entityId, string? executionId, DateTimeOffset at,
        Exception? error)
    {
        var actor = Actor(principal, principal.Id);
        var requestId = entityType == AuditEventWriter.RequestEntity ? entityId : null;
        var invocationId = entityType == AuditEventWriter.RequestEntity ? null : entityId;
        // Only the exception's type: its message may carry the payload's personal data into the log.
        return error is null
            ? Unapplied(new ActionExecuted(policyHash, principal.Id, skill, null, at, requestId, invocationId, executionId), actor, entityType, entityId)
            : Unapplied(
                new ActionFailed(policyHash, principal.Id, skill, error.GetType().FullName!, at, requestId, invocationId, executionId),
                actor, entityType, entityId);
    }

    /// <summary>
    /// <c>action.outcome_resolved</c> for a started action with no outcome: by <paramref name="resolver"/>, or by the gate
    /// (actor <c>system</c>, <paramref name="resolver"/> null) when it knows the action never ran.
    /// </summary>
    public static GateEntry OutcomeResolved(
        string policyHash, PrincipalDefinition? resolver, string entityType, string entityId, string? executionId, string principalId, string skill,
        string resolution, string reason, DateTimeOffset at)
    {
        var requestId = entityType == AuditEventWriter.RequestEntity ? entityId : null;
        var invocationId = entityType == AuditEventWriter.RequestEntity ? null : entityId;
        var resolved = new ActionOutcomeResolved(
            policyHash, principalId, skill, resolution, reason, ReasonCodes.OutcomeResolved, resolver?.Id, at, requestId, invocationId, executionId);
        return Applied(resolved, resolver is null ? AuditActor.System : Actor(resolver, resolver.Id), entityType, entityId);
    }

    public static GateEntry BreakGlass(
        in Decision d, PrincipalDefinition principal, string invocationId, string payloadDigest, string justification, DateTimeOffset at, bool counted) =>
        Applied(
            new BreakGlassInvoked(
                d.PolicyHash, invocationId, principal.Id, d.Skill, ReasonCodes.BreakGlass, Rule(d.Rule), justification, payloadDigest, at, counted,
                ReviewRequired: true),
            Actor(principal, principal.Id), AuditEventWriter.InvocationEntity, invocationId);

    /// <summary><c>breakglass.reviewed</c>: <paramref name="reviewer"/>'s post-hoc review of a break-glass use.</summary>
    public static GateEntry BreakGlassReviewed(
        string policyHash, PrincipalDefinition reviewer, string invocationId, string principalId, string skill, string verdict, string? reason,
        SourceLocation rule, DateTimeOffset at) => Applied(
        new Events.BreakGlassReviewed(
            policyHash, invocationId, principalId, skill, reviewer.Id, verdict, reason, ReasonCodes.BreakGlassReviewed, Rule(rule), at),
        Actor(reviewer, reviewer.Id), AuditEventWriter.InvocationEntity, invocationId);

    /// <summary><c>gate.snapshot_recorded</c>: the hash of the gate's state after event <paramref name="seq"/> (actor <c>system</c>).</summary>
    public static GateEntry SnapshotRecorded(string policyHash, long seq, string headHash, string stateHash, int format, DateTimeOffset at) => Applied(
        new GateSnapshotRecorded(policyHash, seq, headHash, stateHash, format, at), AuditActor.System, AuditEventWriter.SnapshotEntity,
        seq.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// A rule's <c>file:line</c> as recorded: the few a policy has are formatted once and shared (up to
    /// <see cref="MaxRuleTexts"/>; any other is formatted each time).
    /// </summary>
    private static string? Rule(SourceLocation rule)
    {
        if (rule.File is null) return null;
        if (RuleTexts.TryGetValue(rule, out var text)) return text;
        text = rule.ToString();
        if (RuleTexts.Count < MaxRuleTexts) RuleTexts.TryAdd(rule, text);
        return text;
    }

    private const int MaxRuleTexts = 4096;
    private static readonly ConcurrentDictionary<SourceLocation, string> RuleTexts = new();

    /// <summary>An entry the projection applies live from <paramref name="payload"/> itself, without decoding what was stored.</summary>
    private static GateEntry Applied<T>(in T payload, AuditActor actor, string entityType, string entityId)
        where T : struct, IAuditEventPayload<T>
    {
        IAuditEventPayload boxed = payload; // one box: the store writes it, the projection applies it
        return new(AuditEventWriter.ToEntry(boxed, actor, entityType, entityId), boxed);
    }

    /// <summary>An entry the projection needs nothing from live (or only its entity id): only the store holds the record.</summary>
    private static GateEntry Unapplied<T>(in T payload, AuditActor actor, string entityType, string entityId)
        where T : struct, IAuditEventPayload<T> => new(AuditEventWriter.ToEntry(payload, actor, entityType, entityId), null);
}

/// <summary>
/// An audit entry the gate is about to append and, for the events its projection reads back live, the record it was built
/// from: the projection applies that record rather than decode the stored copy of the same bytes.
/// </summary>
/// <param name="Entry">What the store appends.</param>
/// <param name="Applied">The record, or <see langword="null"/> when the projection needs nothing from the payload live.</param>
internal readonly record struct GateEntry(AuditEntry Entry, IAuditEventPayload? Applied)
{
    public string EventType => Entry.EventType;

    /// <summary>The same entry in the run of a case (<see cref="CaseSubject.RunIdFor"/>); unchanged when <paramref name="runId"/> is null.</summary>
    public GateEntry InRun(string? runId) => runId is null ? this : this with { Entry = Entry.InRun(runId) };
}
