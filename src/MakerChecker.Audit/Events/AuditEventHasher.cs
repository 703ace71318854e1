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
        Place(HashedKeys.Actor, f.Actor, output, ref o);
        Place(HashedKeys.EntityId, f.EntityId, output, ref o);
        Place(HashedKeys.EntityType, f.EntityType, output, ref o);
        Place(HashedKeys.EventType, f.EventType, output, ref o);
        Place(HashedKeys.Id, f.Id, output, ref o);
        Place(HashedKeys.OccurredAt, f.OccurredAt, output, ref o);
        Place(HashedKeys.Payload, f.Payload, output, ref o);
        Place(HashedKeys.PrevHash, f.PrevHash, output, ref o);
        Place(HashedKeys.RunId, f.RunId, output, ref o);
        output[o++] = (byte)'}';
        scratch.Advance(o);
    }

    /// <summary>Room for the hashed object's keys, colons, commas and braces, and slack for the short copies.</summary>
    private const int KeysRoom = HashedKeys.Bytes + 32;

    /// <summary>
    /// The hashed object's keys in RFC 8785 order, each with the brace or comma before it and the colon after it: the one
    /// definition of that object's framing, for <see cref="WriteHashedObject"/> and the row recognizer, which writes it as
    /// it reads a row.
    /// </summary>
    internal static class HashedKeys
    {
        /// <summary>Every key's framing together, plus the closing brace.</summary>
        public const int Bytes = 101;

        public static ReadOnlySpan<byte> Actor => "{\"actor\":"u8;

        public static ReadOnlySpan<byte> EntityId => ",\"entityId\":"u8;

        public static ReadOnlySpan<byte> EntityType => ",\"entityType\":"u8;

        public static ReadOnlySpan<byte> EventType => ",\"eventType\":"u8;

        public static ReadOnlySpan<byte> Id => ",\"id\":"u8;

        public static ReadOnlySpan<byte> OccurredAt => ",\"occurredAt\":"u8;

        public static ReadOnlySpan<byte> Payload => ",\"payload\":"u8;

        public static ReadOnlySpan<byte> PrevHash => ",\"prevHash\":"u8;

        public static ReadOnlySpan<byte> RunId => ",\"runId\":"u8;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Place(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, Span<byte> output, ref int o)
    {
        key.CopyTo(output[o..]);
        o += key.Length;
        SlackCopy.Copy(value, 0, value.Length, output, o);
        o += value.Length;
    }
}
