using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>decision.allowed</c>: an invocation was allowed; its action runs only after this event is durable. Entity
/// <c>invocation</c> / the invocation id.
/// </summary>
/// <param name="PolicyHash">The policy that decided.</param>
/// <param name="PrincipalId">Who invoked.</param>
/// <param name="Skill">The skill invoked, <c>name@version</c>.</param>
/// <param name="ReasonCode">Always <c>allowed</c>.</param>
/// <param name="Rule">The policy rule that allowed it, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="Stage">Always <c>invoke</c>.</param>
/// <param name="PayloadDigest"><c>sha256:</c> and the hex SHA-256 of the invocation payload's canonical JSON.</param>
/// <param name="DecidedAt">When it was decided.</param>
/// <param name="Counted">Whether it counts towards the grant's rate limits (replay counts it again).</param>
/// <param name="IdempotencyKey">The caller's idempotency key for the call; absent (not null) when none was given.</param>
[method: JsonConstructor]
internal readonly record struct DecisionAllowed(
    string PolicyHash, string PrincipalId, string Skill, string ReasonCode, string? Rule, string Stage, string PayloadDigest, DateTimeOffset DecidedAt,
    bool Counted, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdempotencyKey = null)
    : IAuditEventPayload<DecisionAllowed>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.DecisionAllowed;

    /// <inheritdoc/>
    public static JsonTypeInfo<DecisionAllowed> JsonTypeInfo => AuditEventJsonContext.Default.DecisionAllowed;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var payload = new JsonObject
        {
            ["policyHash"] = PolicyHash,
            ["principalId"] = PrincipalId,
            ["skill"] = Skill,
            ["reasonCode"] = ReasonCode,
            ["rule"] = Rule,
            ["stage"] = Stage,
            ["payloadDigest"] = PayloadDigest,
            ["decidedAt"] = AuditTime.Format(DecidedAt),
            ["counted"] = Counted,
        };
        if (IdempotencyKey is not null) payload["idempotencyKey"] = IdempotencyKey;
        return payload;
    }

    /// <inheritdoc/>
    static bool IAuditEventPayload<DecisionAllowed>.TryWriteMembers(in DecisionAllowed payload, ref CanonicalMembers members)
    {
        DecisionFields.WriteMembers(
            ref members, payload.Counted, payload.DecidedAt, payload.IdempotencyKey, payload.PayloadDigest, payload.PolicyHash, payload.PrincipalId,
            payload.ReasonCode, payload.Rule, payload.Skill, payload.Stage);
        return true;
    }
}

/// <summary>
/// <c>decision.refused</c>: an invocation, break-glass or execution was refused. Entity <c>invocation</c> / the
/// invocation id, or <c>approval_request</c> / the request id for a refused execution.
/// </summary>
/// <param name="PolicyHash">The policy that decided.</param>
/// <param name="PrincipalId">Who asked, as claimed (the actor kind is <c>unknown</c> when the gate does not know the id).</param>
/// <param name="Skill">The skill asked for, <c>name@version</c>.</param>
/// <param name="ReasonCode">Why it was refused (<c>skill_not_granted</c>, <c>limit_exceeded</c>, <c>payload_mismatch</c>, …).</param>
/// <param name="Rule">The policy rule that refused it, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="Stage">Where it was refused: <c>invoke</c>, <c>break_glass</c> or <c>execute</c>.</param>
/// <param name="PayloadDigest">The digest of the payload the caller supplied, or null.</param>
/// <param name="DecidedAt">When it was decided.</param>
/// <param name="Counted">Always false: a refusal counts towards no limit.</param>
[method: JsonConstructor]
internal readonly record struct DecisionRefused(
    string PolicyHash, string PrincipalId, string Skill, string ReasonCode, string? Rule, string Stage, string? PayloadDigest, DateTimeOffset DecidedAt,
    bool Counted)
    : IAuditEventPayload<DecisionRefused>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.DecisionRefused;

    /// <inheritdoc/>
    public static JsonTypeInfo<DecisionRefused> JsonTypeInfo => AuditEventJsonContext.Default.DecisionRefused;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["principalId"] = PrincipalId,
        ["skill"] = Skill,
        ["reasonCode"] = ReasonCode,
        ["rule"] = Rule,
        ["stage"] = Stage,
        ["payloadDigest"] = PayloadDigest,
        ["decidedAt"] = AuditTime.Format(DecidedAt),
        ["counted"] = Counted,
    };

    /// <inheritdoc/>
    static bool IAuditEventPayload<DecisionRefused>.TryWriteMembers(in DecisionRefused payload, ref CanonicalMembers members)
    {
        DecisionFields.WriteMembers(
            ref members, payload.Counted, payload.DecidedAt, idempotencyKey: null, payload.PayloadDigest, payload.PolicyHash, payload.PrincipalId,
            payload.ReasonCode, payload.Rule, payload.Skill, payload.Stage);
        return true;
    }
}

/// <summary>
/// <c>breakglass.invoked</c>: a gated skill ran without approval under break-glass; listed for mandatory review.
/// Entity <c>invocation</c> / the invocation id.
/// </summary>
/// <param name="PolicyHash">The policy that allowed it.</param>
/// <param name="InvocationId">The invocation's id.</param>
/// <param name="PrincipalId">Who broke the glass.</param>
/// <param name="Skill">The gated skill, <c>name@version</c>.</param>
/// <param name="ReasonCode">Always <c>break_glass</c>.</param>
/// <param name="Rule">The grant that allowed it, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="Justification">Why approval could not wait, as the principal gave it.</param>
/// <param name="PayloadDigest">The digest of the payload the action ran with.</param>
/// <param name="DecidedAt">When it was decided.</param>
/// <param name="Counted">Whether it counts towards the grant's rate limits.</param>
/// <param name="ReviewRequired">Always true: every break-glass must be reviewed afterwards.</param>
[method: JsonConstructor]
internal readonly record struct BreakGlassInvoked(
    string PolicyHash, string InvocationId, string PrincipalId, string Skill, string ReasonCode, string? Rule, string Justification,
    string PayloadDigest, DateTimeOffset DecidedAt, bool Counted, bool ReviewRequired)
    : IAuditEventPayload<BreakGlassInvoked>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.BreakGlassInvoked;

    /// <inheritdoc/>
    public static JsonTypeInfo<BreakGlassInvoked> JsonTypeInfo => AuditEventJsonContext.Default.BreakGlassInvoked;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["invocationId"] = InvocationId,
        ["principalId"] = PrincipalId,
        ["skill"] = Skill,
        ["reasonCode"] = ReasonCode,
        ["rule"] = Rule,
        ["justification"] = Justification,
        ["payloadDigest"] = PayloadDigest,
        ["decidedAt"] = AuditTime.Format(DecidedAt),
        ["counted"] = Counted,
        ["reviewRequired"] = ReviewRequired,
    };
}

/// <summary>The members <c>decision.allowed</c> and <c>decision.refused</c> share, written in canonical key order.</summary>
internal static class DecisionFields
{
    /// <summary>
    /// Writes the members of a decision's payload in canonical key order; <paramref name="idempotencyKey"/> is left out
    /// when null (a refusal never has one).
    /// </summary>
    public static void WriteMembers(
        ref CanonicalMembers members, bool counted, DateTimeOffset decidedAt, string? idempotencyKey, string? payloadDigest, string policyHash,
        string principalId, string reasonCode, string? rule, string skill, string stage)
    {
        members.Bool("counted"u8, counted);
        members.Time("decidedAt"u8, decidedAt);
        members.StringUnlessNull("idempotencyKey"u8, idempotencyKey);
        members.String("payloadDigest"u8, payloadDigest);
        members.String("policyHash"u8, policyHash);
        members.String("principalId"u8, principalId);
        members.String("reasonCode"u8, reasonCode);
        members.String("rule"u8, rule);
        members.String("skill"u8, skill);
        members.String("stage"u8, stage);
    }
}
