using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>approval.requested</c>: a gated invocation opened a request, bound to its payload digest and the proposer's basis.
/// Entity <c>approval_request</c> / the request id.
/// </summary>
/// <param name="PolicyHash">The policy that gated it.</param>
/// <param name="RequestId">The request's id.</param>
/// <param name="PrincipalId">The requester (maker).</param>
/// <param name="Skill">The gated skill, <c>name@version</c>.</param>
/// <param name="ReasonCode"><c>approval_required</c>, or <c>sampled_for_review</c> when a sampling gate drew it.</param>
/// <param name="Rule">The gate, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="PayloadDigest">The digest of the payload the request is bound to: execution must present the same one.</param>
/// <param name="Sampled">Whether a sampling gate drew it for review.</param>
/// <param name="RequiredApprovals">How many distinct eligible approvers must approve.</param>
/// <param name="RequestedAt">When it was opened.</param>
/// <param name="ExpiresAt">When it expires unless executed.</param>
/// <param name="Counted">Whether it counts towards the grant's rate limits.</param>
/// <param name="Basis">What the proposer says triggered it, or null when none was given.</param>
/// <param name="IdempotencyKey">The caller's idempotency key for the call; absent (not null) when none was given.</param>
[method: JsonConstructor]
internal readonly record struct ApprovalRequested(
    string PolicyHash, string RequestId, string PrincipalId, string Skill, string ReasonCode, string? Rule, string PayloadDigest, bool Sampled,
    int RequiredApprovals, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt, bool Counted, RecordedBasis? Basis,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? IdempotencyKey = null)
    : IAuditEventPayload<ApprovalRequested>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ApprovalRequested;

    /// <inheritdoc/>
    public static JsonTypeInfo<ApprovalRequested> JsonTypeInfo => AuditEventJsonContext.Default.ApprovalRequested;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var payload = new JsonObject
        {
            ["policyHash"] = PolicyHash,
            ["requestId"] = RequestId,
            ["principalId"] = PrincipalId,
            ["skill"] = Skill,
            ["reasonCode"] = ReasonCode,
            ["rule"] = Rule,
            ["payloadDigest"] = PayloadDigest,
            ["sampled"] = Sampled,
            ["requiredApprovals"] = RequiredApprovals,
            ["requestedAt"] = AuditTime.Format(RequestedAt),
            ["expiresAt"] = AuditTime.Format(ExpiresAt),
            ["counted"] = Counted,
            ["basis"] = Basis?.ToPayload(),
        };
        if (IdempotencyKey is not null) payload["idempotencyKey"] = IdempotencyKey;
        return payload;
    }
}

/// <summary>The proposer's basis as <c>approval.requested</c> records it (<c>basis</c>); every field may be null.</summary>
/// <param name="RuleId">The proposer's own rule or screen that fired.</param>
/// <param name="ModelVersion">The model or rule-set version that proposed the action.</param>
/// <param name="DatasetDigest">A digest of the dataset snapshot the proposal was computed from.</param>
/// <param name="Reason">Free text: why the proposer proposes the action.</param>
/// <param name="CaseSize">
/// How much the reviewer must read (<c>caseSize</c>: pages, documents, line items, in the app's unit); absent (not null)
/// when none was given, so events written before it keep their bytes.
/// </param>
[method: JsonConstructor]
internal readonly record struct RecordedBasis(
    string? RuleId, string? ModelVersion, string? DatasetDigest, string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CaseSize = null)
{
    /// <summary>The basis as the audit log records it.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToPayload()
    {
        var payload = new JsonObject
        {
            ["ruleId"] = RuleId,
            ["modelVersion"] = ModelVersion,
            ["datasetDigest"] = DatasetDigest,
            ["reason"] = Reason,
        };
        if (CaseSize is { } size) payload["caseSize"] = size;
        return payload;
    }
}

/// <summary>
/// <c>approval.presented</c>: a request's case was shown to a reviewer; dwell runs from the first presentation.
/// Entity <c>approval_request</c> / the request id.
/// </summary>
/// <param name="PolicyHash">The policy in force.</param>
/// <param name="RequestId">The request.</param>
/// <param name="ReviewerId">The reviewer it was shown to.</param>
/// <param name="PayloadDigest">The digest of the payload shown, the request's.</param>
/// <param name="PresentedAt">When it was shown.</param>
[method: JsonConstructor]
internal readonly record struct ApprovalPresented(string PolicyHash, string RequestId, string ReviewerId, string PayloadDigest, DateTimeOffset PresentedAt)
    : IAuditEventPayload<ApprovalPresented>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ApprovalPresented;

    /// <inheritdoc/>
    public static JsonTypeInfo<ApprovalPresented> JsonTypeInfo => AuditEventJsonContext.Default.ApprovalPresented;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["requestId"] = RequestId,
        ["reviewerId"] = ReviewerId,
        ["payloadDigest"] = PayloadDigest,
        ["presentedAt"] = AuditTime.Format(PresentedAt),
    };
}

/// <summary>What a reviewer signed: <c>approve</c> or <c>reject</c>.</summary>
internal enum SignOffVerdict
{
    /// <summary>The reviewer approved.</summary>
    Approve,

    /// <summary>The reviewer rejected, which closes the request.</summary>
    Reject,
}

/// <summary>
/// <c>approval.decided</c>: a reviewer approved or rejected a request. Entity <c>approval_request</c> / the request id.
/// </summary>
/// <param name="PolicyHash">The policy in force.</param>
/// <param name="RequestId">The request.</param>
/// <param name="ReviewerId">The reviewer (checker) who signed.</param>
/// <param name="Verdict">approve or reject.</param>
/// <param name="Reason">The reviewer's reason (required to reject), or null.</param>
/// <param name="ReasonCode">Always <c>signed_off</c>.</param>
/// <param name="Rule">The gate, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="PayloadDigest">The digest of the payload signed, the request's.</param>
/// <param name="RequestedAt">When the request was opened.</param>
/// <param name="PresentedAt">When the case was first shown to this reviewer, or null when it never was.</param>
/// <param name="DecidedAt">When the reviewer signed.</param>
/// <param name="DwellMs">Milliseconds from presentation to sign-off (decided − presented), or null without a presentation.</param>
/// <param name="QueueMs">Milliseconds from request to presentation (presented − requested), or null without a presentation.</param>
/// <param name="Skill">The request's skill. Absent (not null) in logs written before 2026-11-23, which did not record it.</param>
[method: JsonConstructor]
internal readonly record struct ApprovalDecided(
    string PolicyHash, string RequestId, string ReviewerId, SignOffVerdict Verdict, string? Reason, string ReasonCode, string? Rule, string PayloadDigest,
    DateTimeOffset RequestedAt, DateTimeOffset? PresentedAt, DateTimeOffset DecidedAt, long? DwellMs, long? QueueMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Skill = null)
    : IAuditEventPayload<ApprovalDecided>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ApprovalDecided;

    /// <inheritdoc/>
    public static JsonTypeInfo<ApprovalDecided> JsonTypeInfo => AuditEventJsonContext.Default.ApprovalDecided;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => SignOffFields.ToPayload(
        PolicyHash, RequestId, ReviewerId, Skill, Verdict, Reason, ReasonCode, Rule, PayloadDigest, RequestedAt, PresentedAt, DecidedAt, DwellMs, QueueMs);
}

/// <summary>
/// <c>approval.signoff_refused</c>: a sign-off was refused (too fast, not presented, by the requester, …); the request
/// is unchanged. Entity <c>approval_request</c> / the request id. The same fields as <c>approval.decided</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force.</param>
/// <param name="RequestId">The request.</param>
/// <param name="ReviewerId">Who tried to sign.</param>
/// <param name="Verdict">What they tried to sign: approve or reject.</param>
/// <param name="Reason">Their reason, or null.</param>
/// <param name="ReasonCode">Why it was refused (<c>review_too_fast</c>, <c>not_presented</c>, <c>requester_cannot_approve</c>, …).</param>
/// <param name="Rule">The rule that refused it, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="PayloadDigest">The request's payload digest.</param>
/// <param name="RequestedAt">When the request was opened.</param>
/// <param name="PresentedAt">When the case was first shown to this reviewer, or null when it never was.</param>
/// <param name="DecidedAt">When the sign-off was refused.</param>
/// <param name="DwellMs">Milliseconds from presentation to the attempt, or null without a presentation.</param>
/// <param name="QueueMs">Milliseconds from request to presentation, or null without a presentation.</param>
/// <param name="Skill">The request's skill. Absent (not null) in logs written before 2026-11-23, which did not record it.</param>
[method: JsonConstructor]
internal readonly record struct SignOffRefused(
    string PolicyHash, string RequestId, string ReviewerId, SignOffVerdict Verdict, string? Reason, string ReasonCode, string? Rule, string PayloadDigest,
    DateTimeOffset RequestedAt, DateTimeOffset? PresentedAt, DateTimeOffset DecidedAt, long? DwellMs, long? QueueMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Skill = null)
    : IAuditEventPayload<SignOffRefused>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.SignOffRefused;

    /// <inheritdoc/>
    public static JsonTypeInfo<SignOffRefused> JsonTypeInfo => AuditEventJsonContext.Default.SignOffRefused;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => SignOffFields.ToPayload(
        PolicyHash, RequestId, ReviewerId, Skill, Verdict, Reason, ReasonCode, Rule, PayloadDigest, RequestedAt, PresentedAt, DecidedAt, DwellMs, QueueMs);
}

/// <summary>The payload <c>approval.decided</c> and <c>approval.signoff_refused</c> share.</summary>
internal static class SignOffFields
{
    public static JsonObject ToPayload(
        string policyHash, string requestId, string reviewerId, string? skill, SignOffVerdict verdict, string? reason, string reasonCode, string? rule,
        string payloadDigest, DateTimeOffset requestedAt, DateTimeOffset? presentedAt, DateTimeOffset decidedAt, long? dwellMs, long? queueMs)
    {
        var payload = new JsonObject
        {
            ["policyHash"] = policyHash,
            ["requestId"] = requestId,
            ["reviewerId"] = reviewerId,
        };
        if (skill is not null) payload["skill"] = skill;
        payload["verdict"] = LowercaseEnumJsonConverter<SignOffVerdict>.Name(verdict);
        payload["reason"] = reason;
        payload["reasonCode"] = reasonCode;
        payload["rule"] = rule;
        payload["payloadDigest"] = payloadDigest;
        payload["requestedAt"] = AuditTime.Format(requestedAt);
        payload["presentedAt"] = presentedAt is { } p ? AuditTime.Format(p) : null;
        payload["decidedAt"] = AuditTime.Format(decidedAt);
        payload["dwellMs"] = dwellMs;
        payload["queueMs"] = queueMs;
        return payload;
    }
}
