using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// For store authors: one chained event as a database keeps it, namely the columns a store indexes and queries, and
/// <see cref="Row"/>, the audit-spec row that is the record itself (the bytes an inspector's verifier hashes).
/// <see cref="AuditGroupCommit"/> makes them; <see cref="AuditRowReader"/> reads <see cref="Row"/> back.
/// </summary>
public sealed class AuditRow
{
    /// <summary>Creates a row; stores get theirs from <see cref="AuditGroupCommit"/>.</summary>
    /// <param name="seq">The event's sequence number.</param>
    /// <param name="id">The event id (a UUID).</param>
    /// <param name="occurredAt">The exact <c>occurredAt</c> text that was hashed.</param>
    /// <param name="actorId">The actor's id.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="entityType">The entity type, if any.</param>
    /// <param name="entityId">The entity id, if any.</param>
    /// <param name="runId">The run id, if any.</param>
    /// <param name="row">The audit-spec row.</param>
    /// <param name="hash">The event hash, 64 lowercase hex digits.</param>
    public AuditRow(long seq, string id, string occurredAt, string actorId, string eventType,
        string? entityType, string? entityId, string? runId, byte[] row, string hash)
    {
        Seq = seq;
        Id = id;
        OccurredAt = occurredAt;
        ActorId = actorId;
        EventType = eventType;
        EntityType = entityType;
        EntityId = entityId;
        RunId = runId;
        Row = row;
        Hash = hash;
    }

    /// <summary>The event's sequence number.</summary>
    public long Seq { get; }

    /// <summary>The event id (a UUID).</summary>
    public string Id { get; }

    /// <summary>The exact text that was hashed (<see cref="FormatOccurredAt"/>): fixed width UTC, so text order is time order.</summary>
    public string OccurredAt { get; }

    /// <summary>The actor's id, for queries by actor.</summary>
    public string ActorId { get; }

    /// <summary>The event type.</summary>
    public string EventType { get; }

    /// <summary>The entity type, if any.</summary>
    public string? EntityType { get; }

    /// <summary>The entity id, if any.</summary>
    public string? EntityId { get; }

    /// <summary>The run id, if any.</summary>
    public string? RunId { get; }

    /// <summary>The audit-spec row, UTF-8 JSON without a line break. Store it byte for byte.</summary>
    public byte[] Row { get; }

    /// <summary>The event hash, 64 lowercase hex digits: the head the next event chains onto.</summary>
    public string Hash { get; }

    /// <summary>The text form of an instant as events carry it in <c>occurredAt</c>, for range queries over <see cref="OccurredAt"/>.</summary>
    /// <param name="time">The instant.</param>
    /// <returns>The instant in UTC, to the millisecond, in one fixed-width form.</returns>
    public static string FormatOccurredAt(DateTimeOffset time) => Events.OccurredAt.Format(time);

    internal static AuditRow From(StoredEvent stored, ByteBuffer scratch)
    {
        scratch.Clear();
        stored.WriteRow(scratch);
        return new AuditRow(stored.Seq, StoredEvent.DecodeString(stored.Id)!, StoredEvent.DecodeString(stored.OccurredAt)!,
            StoredEvent.DecodeActorId(stored.Actor), StoredEvent.DecodeString(stored.EventType)!, StoredEvent.DecodeString(stored.EntityType),
            StoredEvent.DecodeString(stored.EntityId), StoredEvent.DecodeString(stored.RunId), scratch.ToArray(), stored.Hash.ToHex());
    }
}
