using System.Text;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>Leaf data shaped like a canonical audit event (about 300 bytes), and trees built from it.</summary>
internal static class TreeFixtures
{
    public static byte[] Event(long seq) => Encoding.UTF8.GetBytes(
        "{\"actor\":{\"id\":\"agent-claims-7\",\"kind\":\"agent\",\"owner\":\"ops@example.com\"},\"entityId\":\"claim-" + seq +
        "\",\"entityType\":\"claim\",\"eventType\":\"approval.decided\",\"id\":\"7f9c2b1e-4d3a-4c8e-9b6f-" + seq.ToString("D12", System.Globalization.CultureInfo.InvariantCulture) +
        "\",\"occurredAt\":\"2026-11-22T23:59:59.123Z\",\"payload\":{\"decision\":\"approved\",\"reason\":\"within_limits\"},\"prevHash\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"runId\":null}");

    public static MerkleTree Build(IMerkleHashStore store, long leaves)
    {
        var tree = new MerkleTree(store);
        for (var i = tree.Size; i < leaves; i++)
        {
            tree.Append(Event(i));
        }

        return tree;
    }
}
