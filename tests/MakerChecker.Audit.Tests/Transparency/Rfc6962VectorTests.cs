using System.Text.Json;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>The transparency-dev/merkle conformance vectors (vectors/rfc6962, Apache-2.0, see NOTICE there).</summary>
public sealed class Rfc6962VectorTests
{
    private static readonly string VectorRoot = Path.Combine(AppContext.BaseDirectory, "vectors", "rfc6962");

    public static TheoryData<string> InclusionCases() => Cases("inclusion");

    public static TheoryData<string> ConsistencyCases() => Cases("consistency");

    [Fact]
    public void All_vectors_are_present()
    {
        // 98 of each kind were copied; a lost file would silently shrink the theories below.
        Assert.Equal(98, InclusionCases().Count);
        Assert.Equal(98, ConsistencyCases().Count);
    }

    [Theory]
    [MemberData(nameof(InclusionCases))]
    public void Inclusion_vector(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorRoot, file)));
        var root = json.RootElement;
        var result = MerkleProof.VerifyInclusion(
            Number(root, "leafIdx"),
            Number(root, "treeSize"),
            root.GetProperty("leafHash").GetBytesFromBase64(),
            Proof(root),
            root.GetProperty("root").GetBytesFromBase64());

        Assert.True(root.GetProperty("wantErr").GetBoolean() != result.IsValid, $"{file} ({root.GetProperty("desc")}): {result}");
    }

    [Theory]
    [MemberData(nameof(ConsistencyCases))]
    public void Consistency_vector(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorRoot, file)));
        var root = json.RootElement;
        var result = MerkleProof.VerifyConsistency(
            Number(root, "size1"),
            Number(root, "size2"),
            Proof(root),
            root.GetProperty("root1").GetBytesFromBase64(),
            root.GetProperty("root2").GetBytesFromBase64());

        Assert.True(root.GetProperty("wantErr").GetBoolean() != result.IsValid, $"{file} ({root.GetProperty("desc")}): {result}");
    }

    [Fact]
    public void Happy_path_vectors_are_reproduced_by_our_tree()
    {
        // The vectors' trees are the RFC 6962 reference tree of 8 leaves; rebuilding it checks generation, not just verification.
        byte[][] leaves =
        [
            [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
            [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
        ];
        var tree = new MerkleTree(new MemoryMerkleHashStore());
        var reproduced = 0;
        foreach (var leaf in leaves)
        {
            tree.Append(leaf);
        }

        foreach (var file in Files("inclusion").Where(f => f.EndsWith("happy-path.json", StringComparison.Ordinal)))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorRoot, file)));
            var v = json.RootElement;
            var size = v.GetProperty("treeSize").GetInt64();
            var index = v.GetProperty("leafIdx").GetInt64();
            if (size > tree.Size || !v.GetProperty("leafHash").GetBytesFromBase64().AsSpan().SequenceEqual(tree.LeafHashAt(index).ToArray()))
            {
                continue; // a vector over a different tree
            }

            Assert.Equal(v.GetProperty("root").GetString(), tree.RootAt(size).ToString());
            Assert.Equal(Proof(v).Select(p => Convert.ToBase64String(p)), tree.ProveInclusion(index, size).Select(h => h.ToString()));
            reproduced++;
        }

        foreach (var file in Files("consistency").Where(f => f.EndsWith("happy-path.json", StringComparison.Ordinal)))
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(VectorRoot, file)));
            var v = json.RootElement;
            long size1 = v.GetProperty("size1").GetInt64(), size2 = v.GetProperty("size2").GetInt64();
            if (size2 > tree.Size || v.GetProperty("root2").GetString() != tree.RootAt(size2).ToString())
            {
                continue;
            }

            Assert.Equal(v.GetProperty("root1").GetString(), tree.RootAt(size1).ToString());
            Assert.Equal(Proof(v).Select(p => Convert.ToBase64String(p)), tree.ProveConsistency(size1, size2).Select(h => h.ToString()));
            reproduced++;
        }

        // Every happy path but the single-entry ones (whose leaf hash is not a hash of a reference leaf) is reproduced.
        Assert.True(reproduced >= 8, $"only {reproduced} happy paths matched the reference tree");
    }

    // The vectors use uint64; "sub 1" from index 0 wraps to 2^64 − 1. Our sizes are long (as in Go's tlog), so such a
    // value reaches the verifier as its two's-complement negative, which it must reject like any index out of range.
    private static long Number(JsonElement vector, string name) => unchecked((long)vector.GetProperty(name).GetUInt64());

    private static byte[][] Proof(JsonElement vector)
    {
        var proof = vector.GetProperty("proof");
        return proof.ValueKind == JsonValueKind.Null ? [] : [.. proof.EnumerateArray().Select(p => p.GetBytesFromBase64())];
    }

    private static TheoryData<string> Cases(string kind) => [.. Files(kind)];

    private static IEnumerable<string> Files(string kind) =>
        Directory.EnumerateFiles(Path.Combine(VectorRoot, kind), "*.json", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(VectorRoot, file))
            .Order(StringComparer.Ordinal);
}
