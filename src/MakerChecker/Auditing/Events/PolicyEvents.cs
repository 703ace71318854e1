using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>policy.activated</c>: a policy took effect. Written on first use when the log's last activated policy differs, and
/// by <c>ActivatePolicyAsync</c>. Entity <c>policy</c> / the policy hash; actor <c>system</c>.
/// </summary>
/// <param name="PolicyHash">SHA-256 of the policy's canonical form: the policy every later event is judged by.</param>
/// <param name="Name">The policy's name.</param>
/// <param name="Version">The policy's version, or null when it declares none.</param>
/// <param name="Source">Where the policy was loaded from (a file path).</param>
/// <param name="ActivatedAt">When it took effect.</param>
[method: JsonConstructor]
internal readonly record struct PolicyActivated(string PolicyHash, string Name, string? Version, string Source, DateTimeOffset ActivatedAt)
    : IAuditEventPayload<PolicyActivated>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.PolicyActivated;

    /// <inheritdoc/>
    public static JsonTypeInfo<PolicyActivated> JsonTypeInfo => AuditEventJsonContext.Default.PolicyActivated;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["name"] = Name,
        ["version"] = Version,
        ["source"] = Source,
        ["activatedAt"] = AuditTime.Format(ActivatedAt),
    };
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
