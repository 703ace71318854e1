using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// For store authors: one chained event as a database keeps it, namely the columns a store indexes and queries, and
/// <see cref="Row"/>, the audit-spec row that is the record itself (the bytes an inspector's verifier hashes).
/// <see cref="AuditGroupCommit"/> makes them; <see cref="AuditRowReader"/> reads <see cref="Row"/> back.
/// </summary>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="Id">The event id (a UUID).</param>
/// <param name="OccurredAt">The exact text that was hashed (<see cref="FormatOccurredAt"/>): fixed width UTC, so text order is time order.</param>
/// <param name="ActorId">The actor's id, for queries by actor.</param>
/// <param name="EventType">The event type.</param>
/// <param name="EntityType">The entity type, if any.</param>
/// <param name="EntityId">The entity id, if any.</param>
/// <param name="RunId">The run id, if any.</param>
/// <param name="Row">The audit-spec row, UTF-8 JSON without a line break. Store it byte for byte.</param>
/// <param name="Hash">The event hash, 64 lowercase hex digits: the head the next event chains onto.</param>
public sealed record AuditRow(long Seq, string Id, string OccurredAt, string ActorId, string EventType,
    string? EntityType, string? EntityId, string? RunId, byte[] Row, string Hash)
{
    /// <summary>The text form of an instant as events carry it in <c>occurredAt</c>, for range queries over <see cref="OccurredAt"/>.</summary>
    /// <param name="time">The instant.</param>
    /// <returns>The instant in UTC, to the millisecond, in one fixed-width form.</returns>
    public static string FormatOccurredAt(DateTimeOffset time) => Events.OccurredAt.Format(time);

    internal static AuditRow From(StoredEvent stored, ByteBuffer scratch)
    {
        scratch.Clear();
        stored.WriteRow(scratch);
        return new AuditRow(stored.Seq, StoredEvent.DecodeString(stored.Id)!, StoredEvent.DecodeString(stored.OccurredAt)!,
            DecodeActorId(stored.Actor), StoredEvent.DecodeString(stored.EventType)!, StoredEvent.DecodeString(stored.EntityType),
            StoredEvent.DecodeString(stored.EntityId), StoredEvent.DecodeString(stored.RunId), scratch.ToArray(), stored.Hash.ToHex());
    }

    private static string DecodeActorId(byte[] actor)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(actor);
        return doc.RootElement.GetProperty("id").GetString()!;
    }
}
