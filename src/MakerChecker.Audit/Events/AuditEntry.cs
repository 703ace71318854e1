using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace MakerChecker.Audit.Events;

/// <summary>
/// What a caller asks the audit log to record. The store assigns the rest of the event
/// (<c>id</c>, <c>occurredAt</c>, <c>prevHash</c>, <c>hash</c> and <c>seq</c>) when it appends.
/// </summary>
public sealed class AuditEntry
{
    // The payload: a JsonObject, or (an entry the library built) the record that writes its own canonical JSON, replaced by
    // its JsonObject once Payload is read. One field for both: an entry is made per event.
    private object? _payload;

    /// <summary>Creates an entry; set every required member.</summary>
    public AuditEntry()
    {
    }

    /// <summary>
    /// An entry whose payload writes its own canonical JSON: the store appends those bytes, and <see cref="Payload"/> is
    /// built from <paramref name="payload"/> only when read.
    /// </summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Payload is never null: it is built from the source when first read.
    internal AuditEntry(AuditActor actor, string eventType, ICanonicalPayload payload)
#pragma warning restore CS8618
    {
        Actor = actor;
        EventType = eventType;
        _payload = payload;
    }

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
    public required JsonObject Payload
    {
        get
        {
            var current = Volatile.Read(ref _payload);
            if (current is JsonObject built) return built;
            var made = ((ICanonicalPayload)current!).ToPayload();
            return Interlocked.CompareExchange(ref _payload, made, current) is JsonObject first ? first : made;
        }
        init => _payload = value;
    }

    /// <summary>
    /// The same entry in the run <paramref name="runId"/>. A payload that writes its own canonical JSON stays so: its JSON
    /// object is not built.
    /// </summary>
    internal AuditEntry InRun(string? runId) => CanonicalSource is { } source
        ? new AuditEntry(Actor, EventType, source) { EntityType = EntityType, EntityId = EntityId, RunId = runId }
        : new AuditEntry { Actor = Actor, EventType = EventType, EntityType = EntityType, EntityId = EntityId, RunId = runId, Payload = Payload };

    /// <summary>
    /// The payload that writes its own canonical JSON, while <see cref="Payload"/> has not been read (once it has, the
    /// caller may have changed that object, and the store canonicalizes it instead); otherwise <see langword="null"/>.
    /// </summary>
    internal ICanonicalPayload? CanonicalSource => Volatile.Read(ref _payload) as ICanonicalPayload;
}
