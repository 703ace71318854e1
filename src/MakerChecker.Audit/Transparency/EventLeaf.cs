using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// An event's leaf data: the exact canonical JSON its chain hash covers. Re-derived from the event as any store returns
/// it and checked against the event's own hash, so the tree can never hold bytes the chain does not commit to.
/// </summary>
internal static class EventLeaf
{
    /// <summary>Writes the event's leaf data into <paramref name="scratch"/> (cleared first).</summary>
    /// <exception cref="AuditStoreException">The event's hash does not cover its fields: the store returned a damaged event.</exception>
    public static void Write(AuditEvent e, ByteBuffer scratch)
    {
        var stored = StoredEvent.From(e);
        Span<byte> prevHash = stackalloc byte[66];
        var hash = AuditEventHasher.Compute(stored.Fields(prevHash), scratch);
        if (!hash.Equals(stored.Hash))
        {
            throw new AuditStoreException(
                $"Event seq {e.Seq} has hash {e.Hash}, but its fields hash to {hash.ToHex()}: " +
                "the store returned an event its chain does not cover. Verify the log.");
        }
    }

    /// <summary>The event's RFC 6962 leaf hash.</summary>
    public static MerkleHash Hash(AuditEvent e, ByteBuffer scratch)
    {
        Write(e, scratch);
        return MerkleHashing.LeafHash(scratch.WrittenSpan);
    }

    /// <summary>The event's leaf data as a new array.</summary>
    public static byte[] Bytes(AuditEvent e)
    {
        using var scratch = new ByteBuffer();
        Write(e, scratch);
        return scratch.ToArray();
    }
}
