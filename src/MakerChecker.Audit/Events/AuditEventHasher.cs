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
        // The members in RFC 8785 order (UTF-16 order of the camelCase keys), so no sort is needed.
        scratch.Clear();
        scratch.Write("{\"actor\":"u8);
        scratch.Write(f.Actor);
        scratch.Write(",\"entityId\":"u8);
        scratch.Write(f.EntityId);
        scratch.Write(",\"entityType\":"u8);
        scratch.Write(f.EntityType);
        scratch.Write(",\"eventType\":"u8);
        scratch.Write(f.EventType);
        scratch.Write(",\"id\":"u8);
        scratch.Write(f.Id);
        scratch.Write(",\"occurredAt\":"u8);
        scratch.Write(f.OccurredAt);
        scratch.Write(",\"payload\":"u8);
        scratch.Write(f.Payload);
        scratch.Write(",\"prevHash\":"u8);
        scratch.Write(f.PrevHash);
        scratch.Write(",\"runId\":"u8);
        scratch.Write(f.RunId);
        scratch.Write((byte)'}');
    }
}
