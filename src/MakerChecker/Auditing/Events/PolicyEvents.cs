using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>policy.activated</c>: a policy took effect. Written on first use when the log's last activated policy differs, and
/// by <c>ActivatePolicyAsync</c> (ungoverned), <c>ActivateApprovedPolicyAsync</c> or <c>BreakGlassPolicyAsync</c>. It records the
/// policy's canonical form, so an inspector reads the rules in force from the log alone and checks them against
/// <c>policyHash</c> (SHA-256 of the RFC 8785 bytes of <c>policy</c>). Entity <c>policy</c> / the policy hash; actor
/// <c>system</c>, or the principal who activated it.
/// </summary>
/// <param name="PolicyHash">SHA-256 of the policy's canonical form: the policy every later event is judged by.</param>
/// <param name="Name">The policy's name.</param>
/// <param name="Version">The policy's version, or null when it declares none.</param>
/// <param name="ActivatedAt">When it took effect.</param>
/// <param name="Source">Where the producer loaded the policy from; written only by logs older than <c>policy</c> (absent since).</param>
/// <param name="Policy">The policy's canonical form (<c>makerchecker-policy-canonical/1</c>); absent in logs written before it was recorded.</param>
/// <param name="ActivatedBy">The principal who activated it (the proposer of an approved change, or who broke the glass); absent when the host did.</param>
/// <param name="RequestId">The approved policy change request it executes; absent when none.</param>
/// <param name="Approvers">The approvers whose approvals of that request counted; absent without a request.</param>
/// <param name="Justification">Why it was activated under break-glass, without approval; absent otherwise.</param>
[method: JsonConstructor]
internal readonly record struct PolicyActivated(
    string PolicyHash, string Name, string? Version, DateTimeOffset ActivatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Policy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActivatedBy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Approvers = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Justification = null)
    : IAuditEventPayload<PolicyActivated>, ISelfCheckingPayload
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.PolicyActivated;

    /// <inheritdoc/>
    public static JsonTypeInfo<PolicyActivated> JsonTypeInfo => AuditEventJsonContext.Default.PolicyActivated;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload()
    {
        var payload = new JsonObject
        {
            ["policyHash"] = PolicyHash,
            ["name"] = Name,
            ["version"] = Version,
            ["activatedAt"] = AuditTime.Format(ActivatedAt),
        };
        if (Source is not null) payload["source"] = Source;
        if (Policy is { } policy) payload["policy"] = JsonNode.Parse(policy.GetRawText());
        if (ActivatedBy is not null) payload["activatedBy"] = ActivatedBy;
        if (RequestId is not null) payload["requestId"] = RequestId;
        if (Approvers is not null)
        {
            var approvers = new JsonArray();
            foreach (var a in Approvers) approvers.Add((JsonNode?)JsonValue.Create(a));
            payload["approvers"] = approvers;
        }
        if (Justification is not null) payload["justification"] = Justification;
        return payload;
    }

    (string Field, string Problem)? ISelfCheckingPayload.Check() =>
        Policy is { ValueKind: not JsonValueKind.Object } p ? ("policy", $"{PayloadDiagnosis.Describe(p.ValueKind)}, but must be an object")
        : Approvers is not null && Approvers.Contains(null!) ? ("approvers", "an array holding null, but must hold only approver ids (strings)")
        : null;
}

/// <summary>
/// <c>principal.registered</c>: a principal was registered or changed (for example suspended) at run time; it takes
/// precedence over the policy's. Entity <c>principal</c> / the principal id; actor <c>system</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force, which the principal was validated against.</param>
/// <param name="PrincipalId">The principal's id.</param>
/// <param name="Kind">What it is: agent, human or service.</param>
/// <param name="Role">The one role it holds.</param>
/// <param name="Status">Whether it may act: active, suspended or retired.</param>
/// <param name="Owner">The accountable human's principal id (required for agents), or null.</param>
/// <param name="RegisteredAt">When it was registered.</param>
[method: JsonConstructor]
internal readonly record struct PrincipalRegistered(
    string PolicyHash, string PrincipalId, PrincipalKind Kind, string Role, PrincipalStatus Status, string? Owner, DateTimeOffset RegisteredAt)
    : IAuditEventPayload<PrincipalRegistered>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.PrincipalRegistered;

    /// <inheritdoc/>
    public static JsonTypeInfo<PrincipalRegistered> JsonTypeInfo => AuditEventJsonContext.Default.PrincipalRegistered;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["principalId"] = PrincipalId,
        ["kind"] = LowercaseEnumJsonConverter<PrincipalKind>.Name(Kind),
        ["role"] = Role,
        ["status"] = LowercaseEnumJsonConverter<PrincipalStatus>.Name(Status),
        ["owner"] = Owner,
        ["registeredAt"] = AuditTime.Format(RegisteredAt),
    };
}
