using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>action.started</c>: an approved request passed its execution checks and its action is about to run; written
/// before it runs, at most once per request. Entity <c>approval_request</c> / the request id.
/// </summary>
/// <param name="PolicyHash">The policy that allowed the execution.</param>
/// <param name="RequestId">The request.</param>
/// <param name="PrincipalId">Who executes: the requester.</param>
/// <param name="Skill">The skill, <c>name@version</c>.</param>
/// <param name="ReasonCode">Always <c>executed</c>.</param>
/// <param name="Rule">The gate, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="PayloadDigest">The digest of the payload the action runs with, the approved one.</param>
/// <param name="Approvers">The approvers whose approvals counted at execution.</param>
/// <param name="StartedAt">When the execution was allowed.</param>
/// <param name="ExecutionId">
/// Names this one execution; its outcome (or resolution) repeats it. Absent only in logs written before the field existed.
/// </param>
[method: JsonConstructor]
internal readonly record struct ActionStarted(
    string PolicyHash, string RequestId, string PrincipalId, string Skill, string ReasonCode, string? Rule, string PayloadDigest,
    IReadOnlyList<string> Approvers, DateTimeOffset StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExecutionId = null)
    : IAuditEventPayload<ActionStarted>, ISelfCheckingPayload
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ActionStarted;

    /// <inheritdoc/>
    public static JsonTypeInfo<ActionStarted> JsonTypeInfo => AuditEventJsonContext.Default.ActionStarted;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var approvers = new JsonArray();
        foreach (var a in Approvers) approvers.Add(a);
        var payload = new JsonObject
        {
            ["policyHash"] = PolicyHash,
            ["requestId"] = RequestId,
            ["principalId"] = PrincipalId,
            ["skill"] = Skill,
            ["reasonCode"] = ReasonCode,
            ["rule"] = Rule,
            ["payloadDigest"] = PayloadDigest,
            ["approvers"] = approvers,
            ["startedAt"] = AuditTime.Format(StartedAt),
        };
        if (ExecutionId is not null) payload["executionId"] = ExecutionId;
        return payload;
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() =>
        Approvers.Contains(null!) ? ("approvers", "an array holding null, but must hold only approver ids (strings)") : null;
}

/// <summary>
/// <c>action.executed</c>: an action ran to completion. Entity <c>approval_request</c> / the request id for a gated
/// execution, <c>invocation</c> / the invocation id for a direct invocation or break-glass. Exactly one of
/// <c>requestId</c> and <c>invocationId</c> is present; the other is absent, not null.
/// </summary>
/// <param name="PolicyHash">The policy that allowed the action.</param>
/// <param name="PrincipalId">Who ran it.</param>
/// <param name="Skill">The skill, <c>name@version</c>.</param>
/// <param name="Error">Always null for an executed action.</param>
/// <param name="CompletedAt">When the action returned.</param>
/// <param name="RequestId">The request, for a gated execution; absent otherwise.</param>
/// <param name="InvocationId">The invocation, for a direct invocation or break-glass; absent otherwise.</param>
/// <param name="ExecutionId">For a gated execution, the <c>executionId</c> of its <c>action.started</c>; absent otherwise.</param>
[method: JsonConstructor]
internal readonly record struct ActionExecuted(
    string PolicyHash, string PrincipalId, string Skill, string? Error, DateTimeOffset CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InvocationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExecutionId = null)
    : IAuditEventPayload<ActionExecuted>, ISelfCheckingPayload
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ActionExecuted;

    /// <inheritdoc/>
    public static JsonTypeInfo<ActionExecuted> JsonTypeInfo => AuditEventJsonContext.Default.ActionExecuted;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => ActionOutcomeFields.ToPayload(PolicyHash, RequestId, InvocationId, PrincipalId, Skill, Error, CompletedAt, ExecutionId);

    /// <inheritdoc/>
    static bool IAuditEventPayload<ActionExecuted>.TryWriteMembers(in ActionExecuted payload, ref CanonicalMembers members)
    {
        ActionOutcomeFields.WriteMembers(
            ref members, payload.PolicyHash, payload.RequestId, payload.InvocationId, payload.PrincipalId, payload.Skill, payload.Error,
            payload.CompletedAt, payload.ExecutionId);
        return true;
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() => ActionOutcomeFields.Check(RequestId, InvocationId);
}

/// <summary>
/// <c>action.failed</c>: an action threw; a request, if any, is closed as failed. Entity and identifiers as for
/// <c>action.executed</c>.
/// </summary>
/// <param name="PolicyHash">The policy that allowed the action.</param>
/// <param name="PrincipalId">Who ran it.</param>
/// <param name="Skill">The skill, <c>name@version</c>.</param>
/// <param name="Error">The exception's type name only: its message may carry the payload's personal data.</param>
/// <param name="CompletedAt">When the action threw.</param>
/// <param name="RequestId">The request, for a gated execution; absent otherwise.</param>
/// <param name="InvocationId">The invocation, for a direct invocation or break-glass; absent otherwise.</param>
/// <param name="ExecutionId">For a gated execution, the <c>executionId</c> of its <c>action.started</c>; absent otherwise.</param>
[method: JsonConstructor]
internal readonly record struct ActionFailed(
    string PolicyHash, string PrincipalId, string Skill, string Error, DateTimeOffset CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InvocationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExecutionId = null)
    : IAuditEventPayload<ActionFailed>, ISelfCheckingPayload
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ActionFailed;

    /// <inheritdoc/>
    public static JsonTypeInfo<ActionFailed> JsonTypeInfo => AuditEventJsonContext.Default.ActionFailed;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => ActionOutcomeFields.ToPayload(PolicyHash, RequestId, InvocationId, PrincipalId, Skill, Error, CompletedAt, ExecutionId);

    /// <inheritdoc/>
    static bool IAuditEventPayload<ActionFailed>.TryWriteMembers(in ActionFailed payload, ref CanonicalMembers members)
    {
        ActionOutcomeFields.WriteMembers(
            ref members, payload.PolicyHash, payload.RequestId, payload.InvocationId, payload.PrincipalId, payload.Skill, payload.Error,
            payload.CompletedAt, payload.ExecutionId);
        return true;
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() => ActionOutcomeFields.Check(RequestId, InvocationId);
}

/// <summary>
/// <c>action.outcome_resolved</c>: an action that started (<c>action.started</c>, <c>decision.allowed</c> or
/// <c>breakglass.invoked</c>) and has no recorded outcome was resolved, by an authorised principal or, when the gate knows
/// it never ran the action, by the gate (actor <c>system</c>). Entity and identifiers as for <c>action.executed</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force when it was resolved.</param>
/// <param name="PrincipalId">Who ran (or was allowed to run) the action.</param>
/// <param name="Skill">The skill, <c>name@version</c>.</param>
/// <param name="Resolution">What happened: <c>executed</c>, <c>not_executed</c> or <c>unknown</c>.</param>
/// <param name="Reason">How the resolver established it.</param>
/// <param name="ReasonCode">Always <c>outcome_resolved</c>.</param>
/// <param name="ResolvedBy">The resolving principal; null when the gate resolved an authorisation it never acted on.</param>
/// <param name="ResolvedAt">When it was resolved.</param>
/// <param name="RequestId">The request, for a gated execution; absent otherwise.</param>
/// <param name="InvocationId">The invocation, for a direct invocation or break-glass; absent otherwise.</param>
/// <param name="ExecutionId">For a gated execution, the <c>executionId</c> of the <c>action.started</c> resolved; absent otherwise.</param>
[method: JsonConstructor]
internal readonly record struct ActionOutcomeResolved(
    string PolicyHash, string PrincipalId, string Skill, string Resolution, string Reason, string ReasonCode, string? ResolvedBy, DateTimeOffset ResolvedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? InvocationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExecutionId = null)
    : IAuditEventPayload<ActionOutcomeResolved>, ISelfCheckingPayload
{
    /// <summary>The resolution: the action took effect.</summary>
    public const string Executed = "executed";

    /// <summary>The resolution: the action did not take effect.</summary>
    public const string NotExecuted = "not_executed";

    /// <summary>The resolution: whether it took effect cannot be established.</summary>
    public const string Unknown = "unknown";

    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ActionOutcomeResolved;

    /// <inheritdoc/>
    public static JsonTypeInfo<ActionOutcomeResolved> JsonTypeInfo => AuditEventJsonContext.Default.ActionOutcomeResolved;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var payload = ActionOutcomeFields.Identify(PolicyHash, RequestId, InvocationId, ExecutionId);
        payload["principalId"] = PrincipalId;
        payload["skill"] = Skill;
        payload["resolution"] = Resolution;
        payload["reason"] = Reason;
        payload["reasonCode"] = ReasonCode;
        payload["resolvedBy"] = ResolvedBy;
        payload["resolvedAt"] = AuditTime.Format(ResolvedAt);
        return payload;
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() => ActionOutcomeFields.Check(RequestId, InvocationId);
}

/// <summary>The payload <c>action.executed</c> and <c>action.failed</c> share.</summary>
internal static class ActionOutcomeFields
{
    private const string RequestIdField = "requestId";
    private const string InvocationIdField = "invocationId";

    public static JsonObject ToPayload(
        string policyHash, string? requestId, string? invocationId, string principalId, string skill, string? error, DateTimeOffset at, string? executionId)
    {
        var payload = Identify(policyHash, requestId, invocationId, executionId);
        payload["principalId"] = principalId;
        payload["skill"] = skill;
        payload["error"] = error;
        payload["completedAt"] = AuditTime.Format(at);
        return payload;
    }

    /// <summary>The members of <see cref="ToPayload"/>, in canonical key order.</summary>
    public static void WriteMembers(
        ref CanonicalMembers members, string policyHash, string? requestId, string? invocationId, string principalId, string skill, string? error,
        DateTimeOffset at, string? executionId)
    {
        members.Time("completedAt"u8, at);
        members.String("error"u8, error);
        members.StringUnlessNull("executionId"u8, executionId);
        members.StringUnlessNull("invocationId"u8, invocationId);
        members.String("policyHash"u8, policyHash);
        members.String("principalId"u8, principalId);
        members.StringUnlessNull("requestId"u8, requestId);
        members.String("skill"u8, skill);
    }

    /// <summary>The fields that say which action an event is about: <c>policyHash</c>, one of the two ids, and any <c>executionId</c>.</summary>
    public static JsonObject Identify(string policyHash, string? requestId, string? invocationId, string? executionId)
    {
        var payload = new JsonObject { ["policyHash"] = policyHash };
        if (requestId is not null) payload[RequestIdField] = requestId;
        if (invocationId is not null) payload[InvocationIdField] = invocationId;
        if (executionId is not null) payload["executionId"] = executionId;
        return payload;
    }

    public static (string Field, string Problem)? Check(string? requestId, string? invocationId) => (requestId, invocationId) switch
    {
        (null, null) => (RequestIdField, $"missing: the event names neither '{RequestIdField}' nor '{InvocationIdField}'"),
        (not null, not null) => (InvocationIdField, $"present together with '{RequestIdField}': the event must name exactly one"),
        _ => null,
    };
}
