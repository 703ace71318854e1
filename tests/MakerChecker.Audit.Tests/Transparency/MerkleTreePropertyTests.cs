using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// Properties of the incremental tree and the RFC 9162 verifiers over random trees of 1 to 5,000 leaves. Each case
/// draws a tree size and a seed; the seed drives the leaf contents, the indexes checked and the bits flipped, so a
/// failure message is enough to replay it.
/// </summary>
public sealed class MerkleTreePropertyTests
{
    private const int MaxLeaves = 5000;

    // Half the cases in small trees, where the edge shapes (powers of two, single leaves) are dense.
    private static readonly Arbitrary<(int Size, int Seed)> Trees =
        (from size in Gen.OneOf(Gen.Choose(1, 64), Gen.Choose(1, MaxLeaves))
         from seed in Gen.Choose(0, int.MaxValue)
         select (size, seed)).ToArbitrary();

    private static readonly Arbitrary<(int Size, int Seed)> SmallTrees =
        (from size in Gen.Choose(1, 160)
         from seed in Gen.Choose(0, int.MaxValue)
         select (size, seed)).ToArbitrary();

    [Property(MaxTest = 150)]
    public Property The_tree_matches_the_literal_RFC_6962_definitions() => Prop.ForAll(SmallTrees, c =>
    {
        var random = new Random(c.Seed);
        var leaves = RandomLeaves(random, c.Size);
        var tree = Build(leaves);
        for (var n = 1; n <= c.Size; n += 1 + random.Next(8))
        {
            Assert.Equal(ReferenceMerkle.Mth(leaves[..n]), tree.RootAt(n).ToArray());
        }

        for (var m = 0; m < c.Size; m++)
        {
            Assert.Equal(ReferenceMerkle.Path(m, leaves), tree.ProveInclusion(m, c.Size).Select(h => h.ToArray()));
        }

        for (var i = 0; i < 20; i++)
        {
            var n = 1 + random.Next(c.Size);
            var m = 1 + random.Next(n);
            Assert.Equal(ReferenceMerkle.Proof(m, leaves[..n]), tree.ProveConsistency(m, n).Select(h => h.ToArray()));
        }
    });

    [Property(MaxTest = 500)]
    public Property Every_inclusion_proof_verifies_and_any_flipped_bit_fails() => Prop.ForAll(Trees, c =>
    {
        var random = new Random(c.Seed);
        var leaves = RandomLeaves(random, c.Size);
        var tree = Build(leaves);
        var root = tree.Root.ToArray();
        // Every index when the tree is small; otherwise the ends, the power-of-two boundaries and random ones.
        var indexes = c.Size <= 64
            ? Enumerable.Range(0, c.Size)
            : new[] { 0, c.Size - 1, 1 << random.Next(12) }.Where(i => i < c.Size).Concat(Enumerable.Range(0, 30).Select(_ => random.Next(c.Size)));
        foreach (var index in indexes)
        {
            var leafHash = MerkleHash.OfLeaf(leaves[index]).ToArray();
            var proof = tree.ProveInclusion(index, c.Size).Select(h => h.ToArray()).ToArray();
            var valid = MerkleProof.VerifyInclusion(index, c.Size, leafHash, proof, root);
            Assert.True(valid.IsValid, $"size {c.Size} seed {c.Seed} index {index}: {valid}");

            switch (random.Next(5))
            {
                case 0 when proof.Length > 0:
                    var tampered = proof.Select(p => (byte[])p.Clone()).ToArray();
                    FlipBit(tampered[random.Next(tampered.Length)], random);
                    AssertInvalid(MerkleProof.VerifyInclusion(index, c.Size, leafHash, tampered, root), "proof", c);
                    break;
                case 1:
                    AssertInvalid(MerkleProof.VerifyInclusion(index, c.Size, Flipped(leafHash, random), proof, root), "leaf", c);
                    break;
                case 2:
                    AssertInvalid(MerkleProof.VerifyInclusion(index, c.Size, leafHash, proof, Flipped(root, random)), "root", c);
                    break;
                case 3:
                    var otherIndex = index ^ (1L << random.Next(64));
                    AssertInvalid(MerkleProof.VerifyInclusion(otherIndex, c.Size, leafHash, proof, root), $"index {index}→{otherIndex}", c);
                    break;
                default:
                    var otherSize = c.Size ^ (1L << random.Next(64));
                    var result = MerkleProof.VerifyInclusion(index, otherSize, leafHash, proof, root);
                    // An inclusion proof commits to the path, not to the size: two sizes that give index the same path
                    // shape accept the same proof. The signed checkpoint is what binds the size (see the receipt tests).
                    Assert.True(!result.IsValid || SameInclusionShape(index, c.Size, otherSize, random), $"size {c.Size}→{otherSize} seed {c.Seed} index {index} still verifies");
                    break;
            }
        }
    });

    [Property(MaxTest = 500)]
    public Property Every_consistency_proof_verifies_and_any_flipped_bit_fails() => Prop.ForAll(Trees, c =>
    {
        var random = new Random(c.Seed);
        var tree = Build(RandomLeaves(random, c.Size));
        for (var i = 0; i < 25; i++)
        {
            long size2 = 1 + random.Next(c.Size);
            long size1 = i == 0 ? size2 : 1 + random.Next((int)size2);
            var root1 = tree.RootAt(size1).ToArray();
            var root2 = tree.RootAt(size2).ToArray();
            var proof = tree.ProveConsistency(size1, size2).Select(h => h.ToArray()).ToArray();
            var valid = MerkleProof.VerifyConsistency(size1, size2, proof, root1, root2);
            Assert.True(valid.IsValid, $"size {c.Size} seed {c.Seed} from {size1} to {size2}: {valid}");

            switch (random.Next(5))
            {
                case 0 when proof.Length > 0:
                    var tampered = proof.Select(p => (byte[])p.Clone()).ToArray();
                    FlipBit(tampered[random.Next(tampered.Length)], random);
                    AssertInvalid(MerkleProof.VerifyConsistency(size1, size2, tampered, root1, root2), "proof", c);
                    break;
                case 1:
                    AssertInvalid(MerkleProof.VerifyConsistency(size1, size2, proof, Flipped(root1, random), root2), "root1", c);
                    break;
                case 2:
                    AssertInvalid(MerkleProof.VerifyConsistency(size1, size2, proof, root1, Flipped(root2, random)), "root2", c);
                    break;
                case 3:
                    var other1 = size1 ^ (1L << random.Next(64));
                    Assert.True(
                        !MerkleProof.VerifyConsistency(other1, size2, proof, root1, root2).IsValid || SameConsistencyShape(size1, size2, other1, size2, random),
                        $"size1 {size1}→{other1} (size2 {size2}) seed {c.Seed} still verifies");
                    break;
                default:
                    var other2 = size2 ^ (1L << random.Next(64));
                    Assert.True(
                        !MerkleProof.VerifyConsistency(size1, other2, proof, root1, root2).IsValid || SameConsistencyShape(size1, size2, size1, other2, random),
                        $"size2 {size2}→{other2} (size1 {size1}) seed {c.Seed} still verifies");
                    break;
            }
        }
    });

    [Property(MaxTest = 100)]
    public Property The_first_divergent_leaf_is_found_exactly() => Prop.ForAll(Trees, c =>
    {
        var random = new Random(c.Seed);
        var leaves = RandomLeaves(random, c.Size);
        var changed = random.Next(c.Size);
        var rewritten = leaves.ToArray();
        rewritten[changed] = [.. leaves[changed], 0x01];
        // Later leaves may differ too (a rewrite rarely stops at one event); the first difference is what is reported.
        for (var i = changed + 1; i < c.Size; i++)
        {
            if (random.Next(4) == 0)
            {
                rewritten[i] = [0xff];
            }
        }

        var original = Build(leaves);
        var forged = Build(rewritten);
        Assert.Equal(changed, LogConsistency.FirstDivergentLeaf(original, forged, c.Size));
        Assert.Null(LogConsistency.FirstDivergentLeaf(original, forged, changed));
    });

    internal static byte[][] RandomLeaves(Random random, int count)
    {
        var leaves = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            // Random contents after the index, so that no two leaves are equal: with equal leaves, moving a proof to
            // the other index is rightly valid and would hide nothing but confuse the tamper properties.
            leaves[i] = new byte[4 + random.Next(0, 44)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(leaves[i], i);
            random.NextBytes(leaves[i].AsSpan(4));
        }

        return leaves;
    }

    internal static MerkleTree Build(byte[][] leaves)
    {
        var tree = new MerkleTree(new MemoryMerkleHashStore());
        foreach (var leaf in leaves)
        {
            tree.Append(leaf);
        }

        return tree;
    }

    internal static void FlipBit(byte[] bytes, Random random) => bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));

    private static byte[] Flipped(byte[] bytes, Random random)
    {
        var copy = (byte[])bytes.Clone();
        FlipBit(copy, random);
        return copy;
    }

    private static void AssertInvalid(TransparencyResult result, string what, (int Size, int Seed) c) =>
        Assert.False(result.IsValid, $"flipped {what}: size {c.Size} seed {c.Seed} still verifies");

    /// <summary>Whether two sizes walk the same path for index: the same proof of random hashes gives the same root.</summary>
    private static bool SameInclusionShape(long index, long size, long otherSize, Random random)
    {
        if (index >= otherSize || otherSize <= 0)
        {
            return false;
        }

        var leaf = RandomHash(random);
        var proof = Enumerable.Range(0, MerkleProof.InclusionProofLength(index, size)).Select(_ => RandomHash(random)).ToArray();
        Span<byte> a = stackalloc byte[32], b = stackalloc byte[32];
        return MerkleProof.RootFromInclusionProof(index, size, leaf, proof, a) is null
            && MerkleProof.RootFromInclusionProof(index, otherSize, leaf, proof, b) is null
            && a.SequenceEqual(b);
    }

    /// <summary>Whether two size pairs walk the same consistency path: the same random proof gives the same two roots.</summary>
    private static bool SameConsistencyShape(long size1, long size2, long other1, long other2, Random random)
    {
        if (other1 < 1 || other2 <= other1)
        {
            return false;
        }

        var root1 = RandomHash(random);
        var proof = Enumerable.Range(0, MerkleProof.ConsistencyProofLength(size1, size2)).Select(_ => RandomHash(random)).ToArray();
        Span<byte> fr1 = stackalloc byte[32], sr1 = stackalloc byte[32], fr2 = stackalloc byte[32], sr2 = stackalloc byte[32];
        return MerkleProof.RootsFromConsistencyProof(size1, size2, proof, root1, fr1, sr1) is null
            && MerkleProof.RootsFromConsistencyProof(other1, other2, proof, root1, fr2, sr2) is null
            && fr1.SequenceEqual(fr2) && sr1.SequenceEqual(sr2);
    }

    private static byte[] RandomHash(Random random)
    {
        var hash = new byte[32];
        random.NextBytes(hash);
        return hash;
    }
}
