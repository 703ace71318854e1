using System.Text;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Events;

/// <summary>
/// The audit-spec v1 hash rule: lowercase hex SHA-256 over the RFC 8785 form of exactly
/// <c>{id, occurredAt, actor, eventType, entityType, entityId, runId, payload, prevHash}</c>; and the genesis root.
/// </summary>
internal static class AuditEventHasher
{
    /// <summary>The event type of the first event of every log.</summary>
    public const string GenesisEventType = "audit.genesis";

    /// <summary>The <c>prevHash</c> of the genesis event: SHA-256 of the text <c>makerchecker-genesis:</c> + instance id.</summary>
    public static Hash32 GenesisRoot(string instanceId) =>
        Hash32.Compute(Encoding.UTF8.GetBytes("makerchecker-genesis:" + instanceId));

    /// <summary>Writes the canonical hashed object into <paramref name="scratch"/> and returns its SHA-256.</summary>
    public static Hash32 Compute(in EventFields f, ByteBuffer scratch)
    {
        WriteHashedObject(f, scratch);
        return Hash32.Compute(scratch.WrittenSpan);
    }

    /// <summary>
    /// The same, hashing with <paramref name="sha"/>: the verifier's per-thread hasher, which avoids most of the cost
    /// of setting up a digest for every event (see <see cref="EventSha256"/>).
    /// </summary>
    public static Hash32 Compute(in EventFields f, ByteBuffer scratch, EventSha256 sha)
    {
        WriteHashedObject(f, scratch);
        return sha.Hash(scratch.WrittenSpan);
    }

    private static void WriteHashedObject(in EventFields f, ByteBuffer scratch)
    {
        // The members in RFC 8785 order (UTF-16 order of the camelCase keys), so no sort is needed. Room for all of it
        // is taken once (with slack for the short copies), then each piece is placed: this runs once per verified event.
        scratch.Clear();
        var length = KeysRoom + f.Actor.Length + f.EntityId.Length + f.EntityType.Length + f.EventType.Length + f.Id.Length +
                     f.OccurredAt.Length + f.Payload.Length + f.PrevHash.Length + f.RunId.Length;
        var o = 0;
        var output = scratch.GetSpan(length);
        Place("{\"actor\":"u8, f.Actor, output, ref o);
        Place(",\"entityId\":"u8, f.EntityId, output, ref o);
        Place(",\"entityType\":"u8, f.EntityType, output, ref o);
        Place(",\"eventType\":"u8, f.EventType, output, ref o);
        Place(",\"id\":"u8, f.Id, output, ref o);
        Place(",\"occurredAt\":"u8, f.OccurredAt, output, ref o);
        Place(",\"payload\":"u8, f.Payload, output, ref o);
        Place(",\"prevHash\":"u8, f.PrevHash, output, ref o);
        Place(",\"runId\":"u8, f.RunId, output, ref o);
        output[o++] = (byte)'}';
        scratch.Advance(o);
    }

    /// <summary>Room for the hashed object's keys, colons, commas and braces (101 bytes), and slack for the short copies.</summary>
    private const int KeysRoom = 101 + 32;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Place(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, Span<byte> output, ref int o)
    {
        key.CopyTo(output[o..]);
        o += key.Length;
        SlackCopy.Copy(value, 0, value.Length, output, o);
        o += value.Length;
    }
}
