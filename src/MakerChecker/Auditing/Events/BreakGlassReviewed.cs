using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>breakglass.reviewed</c>: a break-glass use was reviewed after the fact, <c>accepted</c> or <c>escalated</c> (with a
/// reason), by an eligible approver of the skill's gate who is not the principal who broke the glass. A reviewed use
/// leaves the list awaiting review. Entity <c>invocation</c> / the invocation id of the <c>breakglass.invoked</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force when it was reviewed.</param>
/// <param name="InvocationId">The break-glass invocation reviewed.</param>
/// <param name="PrincipalId">Who broke the glass.</param>
/// <param name="Skill">The skill run under break-glass, <c>name@version</c>.</param>
/// <param name="ReviewerId">Who reviewed it.</param>
/// <param name="Verdict">The review: <c>accepted</c> or <c>escalated</c>.</param>
/// <param name="Reason">The reviewer's reason; required for <c>escalated</c>, null when an acceptance gives none.</param>
/// <param name="ReasonCode">Always <c>break_glass_reviewed</c>.</param>
/// <param name="Rule">The gate whose approvers may review it, <c>file:line:column</c>; null when no rule applies.</param>
/// <param name="ReviewedAt">When it was reviewed.</param>
[method: JsonConstructor]
internal readonly record struct BreakGlassReviewed(
    string PolicyHash, string InvocationId, string PrincipalId, string Skill, string ReviewerId, string Verdict, string? Reason, string ReasonCode,
    string? Rule, DateTimeOffset ReviewedAt)
    : IAuditEventPayload<BreakGlassReviewed>
{
    /// <summary>The verdict: the use was justified.</summary>
    public const string Accepted = "accepted";

    /// <summary>The verdict: the use needs follow-up beyond this review (the reason says why).</summary>
    public const string Escalated = "escalated";

    /// <inheritdoc/>
    public static string Type => AuditEventTypes.BreakGlassReviewed;

    /// <inheritdoc/>
    public static JsonTypeInfo<BreakGlassReviewed> JsonTypeInfo => AuditEventJsonContext.Default.BreakGlassReviewed;

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
        ["reviewerId"] = ReviewerId,
        ["verdict"] = Verdict,
        ["reason"] = Reason,
        ["reasonCode"] = ReasonCode,
        ["rule"] = Rule,
        ["reviewedAt"] = AuditTime.Format(ReviewedAt),
    };
}
