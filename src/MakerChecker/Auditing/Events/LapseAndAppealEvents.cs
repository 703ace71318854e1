using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Gates;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>approval.expired</c>: an open request passed its <c>expiresAt</c> without running. Written once per request, by the
/// first gate that observes the lapse (a call on the request, or a sweep); the compare-and-append keeps it to one even
/// with several gates on one log. Entity <c>approval_request</c> / the request id; actor <c>system</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force when the lapse was recorded.</param>
/// <param name="RequestId">The request.</param>
/// <param name="PrincipalId">The requester.</param>
/// <param name="Skill">The skill, <c>name@version</c>.</param>
/// <param name="ReasonCode">Always <c>request_expired</c>.</param>
/// <param name="RequestedAt">When the request was opened.</param>
/// <param name="ExpiresAt">When it expired.</param>
/// <param name="ObservedAt">When a gate recorded the lapse (at or after <c>expiresAt</c>).</param>
/// <param name="Approvals">How many accepted approvals it had when it lapsed.</param>
/// <param name="RequiredApprovals">How many it needed.</param>
[method: JsonConstructor]
internal readonly record struct ApprovalExpired(
    string PolicyHash, string RequestId, string PrincipalId, string Skill, string ReasonCode, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt,
    DateTimeOffset ObservedAt, int Approvals, int RequiredApprovals)
    : IAuditEventPayload<ApprovalExpired>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.ApprovalExpired;

    /// <inheritdoc/>
    public static JsonTypeInfo<ApprovalExpired> JsonTypeInfo => AuditEventJsonContext.Default.ApprovalExpired;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["requestId"] = RequestId,
        ["principalId"] = PrincipalId,
        ["skill"] = Skill,
        ["reasonCode"] = ReasonCode,
        ["requestedAt"] = AuditTime.Format(RequestedAt),
        ["expiresAt"] = AuditTime.Format(ExpiresAt),
        ["observedAt"] = AuditTime.Format(ObservedAt),
        ["approvals"] = Approvals,
        ["requiredApprovals"] = RequiredApprovals,
    };
}

/// <summary>
/// <c>appeal.recorded</c>: the app reported how an appeal against an executed request ended: <c>upheld</c> (the decision
/// stands) or <c>overturned</c> (it was reversed). The review report turns these into each approver's overturn rate.
/// Entity <c>approval_request</c> / the request id; actor the principal who recorded it.
/// </summary>
/// <param name="PolicyHash">The policy in force when the outcome was recorded.</param>
/// <param name="RequestId">The request whose decision was appealed.</param>
/// <param name="Skill">The request's skill, <c>name@version</c>.</param>
/// <param name="Outcome"><c>upheld</c> or <c>overturned</c>.</param>
/// <param name="RecordedBy">Who recorded the outcome.</param>
/// <param name="Reason">What the appeal found, or null.</param>
/// <param name="Approvers">The approvers whose approvals let the request run.</param>
/// <param name="RecordedAt">When the outcome was recorded.</param>
[method: JsonConstructor]
internal readonly record struct AppealRecorded(
    string PolicyHash, string RequestId, string Skill, AppealOutcome Outcome, string RecordedBy, string? Reason, IReadOnlyList<string> Approvers,
    DateTimeOffset RecordedAt)
    : IAuditEventPayload<AppealRecorded>, ISelfCheckingPayload
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.AppealRecorded;

    /// <inheritdoc/>
    public static JsonTypeInfo<AppealRecorded> JsonTypeInfo => AuditEventJsonContext.Default.AppealRecorded;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var approvers = new JsonArray();
        foreach (var a in Approvers) approvers.Add((JsonNode?)JsonValue.Create(a));
        return new JsonObject
        {
            ["policyHash"] = PolicyHash,
            ["requestId"] = RequestId,
            ["skill"] = Skill,
            ["outcome"] = LowercaseEnumJsonConverter<AppealOutcome>.Name(Outcome),
            ["recordedBy"] = RecordedBy,
            ["reason"] = Reason,
            ["approvers"] = approvers,
            ["recordedAt"] = AuditTime.Format(RecordedAt),
        };
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() =>
        Approvers.Contains(null!) ? ("approvers", "an array holding null, but must hold only approver ids (strings)")
        : null;
}
