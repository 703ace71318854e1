using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing;

/// <summary>
/// Builds the audit entries of the event catalogue (<see cref="AuditEventTypes"/>). Field names are camelCase, as in
/// the rest of audit-spec v1; times are <see cref="AuditTime"/> strings. <see cref="GateProjection"/> reads them back.
/// </summary>
internal static class AuditPayloads
{
    public const string RequestEntity = "approval_request";
    public const string InvocationEntity = "invocation";

    public static AuditActor Actor(PrincipalDefinition? principal, string id) =>
        principal is null ? new AuditActor("unknown", id) : new AuditActor(KindName(principal.Kind), principal.Id, principal.Role);

    public static string KindName(PrincipalKind kind) => kind switch
    {
        PrincipalKind.Agent => "agent",
        PrincipalKind.Human => "human",
        _ => "service",
    };

    public static AuditEntry PolicyActivated(CompiledPolicy policy, DateTimeOffset at) => new()
    {
        Actor = AuditActor.System,
        EventType = AuditEventTypes.PolicyActivated,
        EntityType = "policy",
        EntityId = policy.Hash,
        Payload = new JsonObject
        {
            ["policyHash"] = policy.Hash,
            ["name"] = policy.Name,
            ["version"] = policy.Version,
            ["source"] = policy.Source,
            ["activatedAt"] = AuditTime.Format(at),
        },
    };

    public static AuditEntry PrincipalRegistered(string policyHash, PrincipalDefinition p, DateTimeOffset at) => new()
    {
        Actor = AuditActor.System,
        EventType = AuditEventTypes.PrincipalRegistered,
        EntityType = "principal",
        EntityId = p.Id,
        Payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            ["principalId"] = p.Id,
            ["kind"] = KindName(p.Kind),
            ["role"] = p.Role,
            ["status"] = p.Status.ToString().ToLowerInvariant(),
            ["owner"] = p.Owner,
            ["registeredAt"] = AuditTime.Format(at),
        },
    };

    /// <summary><c>decision.allowed</c>, <c>decision.refused</c> (stage <c>invoke</c> or <c>break_glass</c>).</summary>
    public static AuditEntry Decision(in Decision d, PrincipalDefinition? principal, string invocationId, string payloadDigest, DateTimeOffset at, bool counted, string stage = "invoke", string? idempotencyKey = null) => new()
    {
        Actor = Actor(principal, d.PrincipalId),
        EventType = d.Outcome == DecisionOutcome.Allowed ? AuditEventTypes.DecisionAllowed : AuditEventTypes.DecisionRefused,
        EntityType = InvocationEntity,
        EntityId = invocationId,
        Payload = WithKey(DecisionFields(d.PolicyHash, d.PrincipalId, d.Skill, d.ReasonCode, d.Rule, payloadDigest, at, stage, counted), idempotencyKey),
    };

    /// <summary>Adds <c>idempotencyKey</c> when the caller gave one (events without a key are unchanged).</summary>
    private static JsonObject WithKey(JsonObject payload, string? idempotencyKey)
    {
        if (idempotencyKey is not null) payload["idempotencyKey"] = idempotencyKey;
        return payload;
    }

    /// <summary><c>decision.refused</c> for a refused execution or break-glass, about a request or invocation.</summary>
    public static AuditEntry Refused(string policyHash, PrincipalDefinition? principal, string principalId, string skill, string code, SourceLocation rule, string entityType, string entityId, string? payloadDigest, DateTimeOffset at, string stage) => new()
    {
        Actor = Actor(principal, principalId),
        EventType = AuditEventTypes.DecisionRefused,
        EntityType = entityType,
        EntityId = entityId,
        Payload = DecisionFields(policyHash, principalId, skill, code, rule, payloadDigest, at, stage, counted: false),
    };

    private static JsonObject DecisionFields(string policyHash, string principalId, string skill, string code, SourceLocation rule, string? payloadDigest, DateTimeOffset at, string stage, bool counted) => new()
    {
        ["policyHash"] = policyHash,
        ["principalId"] = principalId,
        ["skill"] = skill,
        ["reasonCode"] = code,
        ["rule"] = Rule(rule),
        ["stage"] = stage,
        ["payloadDigest"] = payloadDigest,
        ["decidedAt"] = AuditTime.Format(at),
        ["counted"] = counted,
    };

    public static AuditEntry ApprovalRequested(in Decision d, PrincipalDefinition requester, string requestId, string payloadDigest, ProposalBasis? basis, DateTimeOffset at, DateTimeOffset expiresAt, int required, bool counted, string? idempotencyKey = null) => new()
    {
        Actor = Actor(requester, requester.Id),
        EventType = AuditEventTypes.ApprovalRequested,
        EntityType = RequestEntity,
        EntityId = requestId,
        Payload = WithKey(new JsonObject
        {
            ["policyHash"] = d.PolicyHash,
            ["requestId"] = requestId,
            ["principalId"] = requester.Id,
            ["skill"] = d.Skill,
            ["reasonCode"] = d.ReasonCode,
            ["rule"] = Rule(d.Rule),
            ["payloadDigest"] = payloadDigest,
            ["sampled"] = d.Sampled,
            ["requiredApprovals"] = required,
            ["requestedAt"] = AuditTime.Format(at),
            ["expiresAt"] = AuditTime.Format(expiresAt),
            ["counted"] = counted,
            ["basis"] = basis is null ? null : new JsonObject
            {
                ["ruleId"] = basis.RuleId,
                ["modelVersion"] = basis.ModelVersion,
                ["datasetDigest"] = basis.DatasetDigest,
                ["reason"] = basis.Reason,
            },
        }, idempotencyKey),
    };

    public static AuditEntry Presented(string policyHash, PrincipalDefinition reviewer, RequestState request, DateTimeOffset at) => new()
    {
        Actor = Actor(reviewer, reviewer.Id),
        EventType = AuditEventTypes.ApprovalPresented,
        EntityType = RequestEntity,
        EntityId = request.Id,
        Payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            ["requestId"] = request.Id,
            ["reviewerId"] = reviewer.Id,
            ["payloadDigest"] = request.PayloadDigest,
            ["presentedAt"] = AuditTime.Format(at),
        },
    };

    /// <summary><c>approval.decided</c> (accepted) or <c>approval.signoff_refused</c> (with <paramref name="refusedCode"/>).</summary>
    public static AuditEntry SignOff(string policyHash, PrincipalDefinition? reviewer, string reviewerId, RequestState request, bool approve, string? reason, DateTimeOffset? presentedAt, DateTimeOffset at, SourceLocation rule, string? refusedCode) => new()
    {
        Actor = Actor(reviewer, reviewerId),
        EventType = refusedCode is null ? AuditEventTypes.ApprovalDecided : AuditEventTypes.SignOffRefused,
        EntityType = RequestEntity,
        EntityId = request.Id,
        Payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            ["requestId"] = request.Id,
            ["reviewerId"] = reviewerId,
            ["skill"] = request.Skill,
            ["verdict"] = approve ? "approve" : "reject",
            ["reason"] = reason,
            ["reasonCode"] = refusedCode ?? ReasonCodes.SignedOff,
            ["rule"] = Rule(rule),
            ["payloadDigest"] = request.PayloadDigest,
            ["requestedAt"] = AuditTime.Format(request.RequestedAt),
            ["presentedAt"] = presentedAt is { } p ? AuditTime.Format(p) : null,
            ["decidedAt"] = AuditTime.Format(at),
            ["dwellMs"] = presentedAt is { } p2 ? (long)(at - p2).TotalMilliseconds : null,
            ["queueMs"] = presentedAt is { } p3 ? (long)(p3 - request.RequestedAt).TotalMilliseconds : null,
        },
    };

    /// <summary><c>action.started</c>; <paramref name="executionId"/> names this one execution, which its outcome repeats.</summary>
    public static AuditEntry ActionStarted(string policyHash, PrincipalDefinition executor, RequestState request, string executionId, IEnumerable<string> approvers, SourceLocation rule, DateTimeOffset at) => new()
    {
        Actor = Actor(executor, executor.Id),
        EventType = AuditEventTypes.ActionStarted,
        EntityType = RequestEntity,
        EntityId = request.Id,
        Payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            ["requestId"] = request.Id,
            ["executionId"] = executionId,
            ["principalId"] = executor.Id,
            ["skill"] = request.Skill,
            ["reasonCode"] = ReasonCodes.Executed,
            ["rule"] = Rule(rule),
            ["payloadDigest"] = request.PayloadDigest,
            ["approvers"] = new JsonArray([.. approvers.Select(a => (JsonNode?)a)]),
            ["startedAt"] = AuditTime.Format(at),
        },
    };

    /// <summary>
    /// <c>action.executed</c> or, with <paramref name="error"/>, <c>action.failed</c>. A request's outcome carries the
    /// <paramref name="executionId"/> of its <c>action.started</c>.
    /// </summary>
    public static AuditEntry ActionOutcome(string policyHash, PrincipalDefinition principal, string skill, string entityType, string entityId, string? executionId, DateTimeOffset at, Exception? error)
    {
        var payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            [entityType == RequestEntity ? "requestId" : "invocationId"] = entityId,
            ["principalId"] = principal.Id,
            ["skill"] = skill,
            // Only the exception's type: its message may carry the payload's personal data into the log.
            ["error"] = error?.GetType().FullName,
            ["completedAt"] = AuditTime.Format(at),
        };
        if (executionId is not null) payload["executionId"] = executionId;
        return new()
        {
            Actor = Actor(principal, principal.Id),
            EventType = error is null ? AuditEventTypes.ActionExecuted : AuditEventTypes.ActionFailed,
            EntityType = entityType,
            EntityId = entityId,
            Payload = payload,
        };
    }

    /// <summary>
    /// <c>action.outcome_resolved</c> for a started action with no outcome: by <paramref name="resolver"/>, or by the gate
    /// (actor <c>system</c>, <paramref name="resolver"/> null) when it knows the action never ran.
    /// </summary>
    public static AuditEntry OutcomeResolved(
        string policyHash, PrincipalDefinition? resolver, string entityType, string entityId, string? executionId, string principalId, string skill, string resolution, string reason, DateTimeOffset at)
    {
        var payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            [entityType == RequestEntity ? "requestId" : "invocationId"] = entityId,
            ["principalId"] = principalId,
            ["skill"] = skill,
            ["resolution"] = resolution,
            ["reason"] = reason,
            ["reasonCode"] = ReasonCodes.OutcomeResolved,
            ["resolvedBy"] = resolver?.Id,
            ["resolvedAt"] = AuditTime.Format(at),
        };
        if (executionId is not null) payload["executionId"] = executionId;
        return new()
        {
            Actor = resolver is null ? AuditActor.System : Actor(resolver, resolver.Id),
            EventType = AuditEventTypes.ActionOutcomeResolved,
            EntityType = entityType,
            EntityId = entityId,
            Payload = payload,
        };
    }

    /// <summary>The wire name of a resolution: <c>executed</c>, <c>not_executed</c> or <c>unknown</c>.</summary>
    public static string ResolutionName(ActionResolution resolution) => resolution switch
    {
        ActionResolution.Executed => "executed",
        ActionResolution.NotExecuted => "not_executed",
        _ => "unknown",
    };

    public static AuditEntry BreakGlass(in Decision d, PrincipalDefinition principal, string invocationId, string payloadDigest, string justification, DateTimeOffset at, bool counted) => new()
    {
        Actor = Actor(principal, principal.Id),
        EventType = AuditEventTypes.BreakGlassInvoked,
        EntityType = InvocationEntity,
        EntityId = invocationId,
        Payload = new JsonObject
        {
            ["policyHash"] = d.PolicyHash,
            ["invocationId"] = invocationId,
            ["principalId"] = principal.Id,
            ["skill"] = d.Skill,
            ["reasonCode"] = ReasonCodes.BreakGlass,
            ["rule"] = Rule(d.Rule),
            ["justification"] = justification,
            ["payloadDigest"] = payloadDigest,
            ["decidedAt"] = AuditTime.Format(at),
            ["counted"] = counted,
            ["reviewRequired"] = true,
        },
    };

    private static string? Rule(SourceLocation rule) => rule.File is null ? null : rule.ToString();
}
