using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Tests.Events;

/// <summary>
/// The hashed object's framing (<see cref="AuditEventHasher.HashedKeys"/>), which the hasher and the row recognizer both
/// write, is the canonical form's: its keys in RFC 8785 order, and <see cref="AuditEventHasher.HashedKeys.Bytes"/> its
/// exact size, which both size their buffers by.
/// </summary>
public sealed class HashedKeysTests
{
    [Fact]
    public void The_framing_is_that_of_the_canonical_hashed_object_and_its_size_is_exact()
    {
        byte[][] framing =
        [
            AuditEventHasher.HashedKeys.Actor.ToArray(), AuditEventHasher.HashedKeys.EntityId.ToArray(),
            AuditEventHasher.HashedKeys.EntityType.ToArray(), AuditEventHasher.HashedKeys.EventType.ToArray(),
            AuditEventHasher.HashedKeys.Id.ToArray(), AuditEventHasher.HashedKeys.OccurredAt.ToArray(),
            AuditEventHasher.HashedKeys.Payload.ToArray(), AuditEventHasher.HashedKeys.PrevHash.ToArray(),
            AuditEventHasher.HashedKeys.RunId.ToArray(),
        ];
        var withZeros = new StringBuilder();
        foreach (var piece in framing)
        {
            withZeros.Append(Encoding.UTF8.GetString(piece)).Append('0');
        }

        withZeros.Append('}');
        Assert.Equal(AuditEventHasher.HashedKeys.Bytes, withZeros.Length - framing.Length);

        // Reordered the other way round, the canonicalizer must put the members back in exactly this order.
        var shuffled = new JsonObject();
        foreach (var (key, value) in JsonNode.Parse(withZeros.ToString())!.AsObject().Reverse())
        {
            shuffled[key] = value?.DeepClone();
        }

        Assert.Equal(withZeros.ToString(), Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(shuffled)));
    }
}
