using System.Text.Json.Serialization;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// The source-generated JSON contracts of the catalogue's payloads. Strict on read: every constructor parameter without a
/// default is required, a non-nullable field may not be null, times and enumerations are checked by their converters.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(AuditTimeJsonConverter), typeof(LowercaseEnumJsonConverter<PrincipalKind>),
        typeof(LowercaseEnumJsonConverter<PrincipalStatus>), typeof(LowercaseEnumJsonConverter<SignOffVerdict>),
        typeof(LowercaseEnumJsonConverter<AppealOutcome>)])]
[JsonSerializable(typeof(PolicyActivated))]
[JsonSerializable(typeof(PrincipalRegistered))]
[JsonSerializable(typeof(DecisionAllowed))]
[JsonSerializable(typeof(DecisionRefused))]
[JsonSerializable(typeof(ApprovalRequested))]
[JsonSerializable(typeof(ApprovalPresented))]
[JsonSerializable(typeof(ApprovalDecided))]
[JsonSerializable(typeof(SignOffRefused))]
[JsonSerializable(typeof(ActionStarted))]
[JsonSerializable(typeof(ActionExecuted))]
[JsonSerializable(typeof(ActionFailed))]
[JsonSerializable(typeof(ActionOutcomeResolved))]
[JsonSerializable(typeof(BreakGlassInvoked))]
[JsonSerializable(typeof(ApprovalExpired))]
[JsonSerializable(typeof(AppealRecorded))]
[JsonSerializable(typeof(BreakGlassReviewed))]
[JsonSerializable(typeof(GateSnapshotRecorded))]
internal sealed partial class AuditEventJsonContext : JsonSerializerContext;
