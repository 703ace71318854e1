using System.Collections.Frozen;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// The one place that maps event type strings to payload types. A new event type is one payload record (implementing
/// <see cref="IAuditEventPayload{TSelf}"/>, listed in the JSON context) and one line here.
/// </summary>
internal static class AuditEventCatalogue
{
    private static readonly Registration[] All =
    [
        Registration.Of<PolicyActivated>(),
        Registration.Of<PrincipalRegistered>(),
        Registration.Of<DecisionAllowed>(),
        Registration.Of<DecisionRefused>(),
        Registration.Of<ApprovalRequested>(),
        Registration.Of<ApprovalPresented>(),
        Registration.Of<ApprovalDecided>(),
        Registration.Of<SignOffRefused>(),
        Registration.Of<ActionStarted>(),
        Registration.Of<ActionExecuted>(),
        Registration.Of<ActionFailed>(),
        Registration.Of<ActionOutcomeResolved>(),
        Registration.Of<BreakGlassInvoked>(),
        Registration.Of<ApprovalExpired>(),
        Registration.Of<AppealRecorded>(),
        Registration.Of<BreakGlassReviewed>(),
        Registration.Of<GateSnapshotRecorded>(),
    ];

    private static readonly FrozenDictionary<string, Registration> ByEventType = All.ToFrozenDictionary(r => r.EventType, StringComparer.Ordinal);

    /// <summary>Every event type of the catalogue with its payload type, in catalogue order.</summary>
    public static IReadOnlyList<(string EventType, Type PayloadType)> EventTypes { get; } = [.. All.Select(r => (r.EventType, r.TypeInfo.Type))];

    /// <summary>Whether <paramref name="eventType"/> is one of the catalogue's.</summary>
    /// <param name="eventType">An event type, for example <c>approval.decided</c>.</param>
    /// <returns><see langword="true"/> when the catalogue has a payload type for it.</returns>
    public static bool IsKnown(string eventType) => ByEventType.ContainsKey(eventType);

    /// <summary>The source-generated JSON contract of <paramref name="eventType"/>'s payload, or <see langword="null"/> for an unknown type.</summary>
    internal static JsonTypeInfo? TypeInfoOf(string eventType) => ByEventType.TryGetValue(eventType, out var r) ? r.TypeInfo : null;

    /// <summary>The payload fields of a record's contract: its constructor parameters (not <see cref="IAuditEventPayload.EventType"/>).</summary>
    internal static IEnumerable<JsonPropertyInfo> Fields(JsonTypeInfo contract) => contract.Properties.Where(p => p.AssociatedParameter is not null);

    /// <summary>Reads a known event's payload as its record, boxed; <see langword="null"/> for an unknown event type.</summary>
    internal static IAuditEventPayload? ReadBoxed(AuditEvent e) => ByEventType.TryGetValue(e.EventType, out var r) ? r.Read(e) : null;

    private sealed record Registration(string EventType, JsonTypeInfo TypeInfo, Func<AuditEvent, IAuditEventPayload> Read)
    {
        public static Registration Of<T>()
            where T : struct, IAuditEventPayload<T> => new(T.Type, T.JsonTypeInfo, e => AuditEventReader.Read<T>(e));
    }
}
