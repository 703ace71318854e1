using System.Text.Json;

namespace MakerChecker.Audit.Events;

/// <summary>
/// One record of the audit log, exactly as it was hashed: the audit-spec v1 fields plus its storage position
/// (<see cref="Seq"/>) and its own <see cref="Hash"/>.
/// </summary>
public sealed class AuditEvent
{
    /// <summary>Storage order, starting at 1 for the genesis event. Not covered by the hash.</summary>
    public required long Seq { get; init; }

    /// <summary>The event's unique identifier (a UUID string).</summary>
    public required string Id { get; init; }

    /// <summary>When the event was recorded, as the exact text that was hashed: <c>YYYY-MM-DDTHH:MM:SS.mmmZ</c>.</summary>
    public required string OccurredAt { get; init; }

    /// <summary>Who caused the event.</summary>
    public required AuditActor Actor { get; init; }

    /// <summary>The event type, for example <c>approval.decided</c>.</summary>
    public required string EventType { get; init; }

    /// <summary>The kind of entity the event is about; or <see langword="null"/>.</summary>
    public string? EntityType { get; init; }

    /// <summary>The identifier of the entity the event is about; or <see langword="null"/>.</summary>
    public string? EntityId { get; init; }

    /// <summary>The run the event belongs to; or <see langword="null"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>The event's payload (an immutable JSON object).</summary>
    public required JsonElement Payload { get; init; }

    /// <summary>The previous event's <see cref="Hash"/>, or the genesis root for the first event (lowercase hex).</summary>
    public required string PrevHash { get; init; }

    /// <summary>Lowercase hex SHA-256 of the event's RFC 8785 canonical form.</summary>
    public required string Hash { get; init; }
}
