using System.Text.Json.Nodes;

namespace MakerChecker.Audit.Events;

/// <summary>
/// What a caller asks the audit log to record. The store assigns the rest of the event
/// (<c>id</c>, <c>occurredAt</c>, <c>prevHash</c>, <c>hash</c> and <c>seq</c>) when it appends.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>
    /// The largest payload a store accepts, in bytes of canonical JSON (1 MiB). A larger one is refused with an
    /// <c>AuditStoreException</c> and nothing is recorded: an audit event records a decision, not a document.
    /// </summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <summary>
    /// The largest value any other field may have, in bytes of canonical JSON (64 KiB), counted after escaping:
    /// each of the actor's id, kind and role, the event type, entity type, entity id and run id. A larger one is
    /// refused with an <c>AuditStoreException</c> naming the field, and nothing is recorded. With the payload limit
    /// this bounds every event's row, so that every event a store acknowledges can be read back.
    /// </summary>
    public const int MaxFieldBytes = 64 * 1024;

    /// <summary>Who caused the event.</summary>
    public required AuditActor Actor { get; init; }

    /// <summary>The event type, for example <c>approval.decided</c>.</summary>
    public required string EventType { get; init; }

    /// <summary>The kind of entity the event is about, for example <c>approval_request</c>; or <see langword="null"/>.</summary>
    public string? EntityType { get; init; }

    /// <summary>The identifier of the entity the event is about; or <see langword="null"/>.</summary>
    public string? EntityId { get; init; }

    /// <summary>The run the event belongs to, which run bundles select on; or <see langword="null"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>
    /// The event's payload. It is canonicalized (RFC 8785) when appended; the store does not keep a reference to it,
    /// so the caller may reuse the object afterwards.
    /// </summary>
    public required JsonObject Payload { get; init; }
}
