using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// An event as the SQL stores keep it: the exact row that was hashed (the bundle row), plus the decoded columns the
/// queries select on. The row is the record; the columns are an index over it.
/// </summary>
internal sealed record SqlEventRow(long Seq, string Id, string OccurredAt, string ActorId, string EventType,
    string? EntityType, string? EntityId, string? RunId, byte[] Row, string Hash)
{
    public static SqlEventRow From(StoredEvent stored, ByteBuffer scratch)
    {
        scratch.Clear();
        stored.WriteRow(scratch);
        return new SqlEventRow(stored.Seq, StoredEvent.DecodeString(stored.Id)!, StoredEvent.DecodeString(stored.OccurredAt)!,
            DecodeActorId(stored.Actor), StoredEvent.DecodeString(stored.EventType)!, StoredEvent.DecodeString(stored.EntityType),
            StoredEvent.DecodeString(stored.EntityId), StoredEvent.DecodeString(stored.RunId), scratch.ToArray(), stored.Hash.ToHex());
    }

    /// <summary>Reads a stored row back. The hash is not checked here: the verifier checks every one.</summary>
    /// <exception cref="AuditStoreException">The row is not a well-formed event row (it was altered behind the store's back).</exception>
    public static StoredEvent Parse(EventRowParser parser, ReadOnlySpan<byte> row, long seq, string what)
    {
        try
        {
            return parser.ParseStored(row, verifyHash: false);
        }
        catch (CanonicalJsonException ex)
        {
            throw Unreadable(seq, what, ex);
        }
    }

    /// <summary>What reading a row that does not parse throws.</summary>
    public static AuditStoreException Unreadable(long seq, string what, CanonicalJsonException error) =>
        new($"The audit store {what} holds an unreadable row at seq {seq}: {error.Message}", error);

    /// <summary>The head a new log is chained from: nothing before the genesis, rooted in the instance id.</summary>
    public static Hash32 ParseHead(string hex)
    {
        if (!Hash32.TryParseHex(System.Text.Encoding.ASCII.GetBytes(hex), out var hash))
        {
            throw new AuditStoreException($"The stored head hash '{hex}' is not 64 lowercase hex digits; the store has been altered.");
        }

        return hash;
    }

    private static string DecodeActorId(byte[] actor)
    {
        using var doc = JsonDocument.Parse(actor);
        return doc.RootElement.GetProperty("id").GetString()!;
    }
}
