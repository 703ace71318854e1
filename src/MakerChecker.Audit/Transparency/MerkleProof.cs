using System.Numerics;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Verification of RFC 9162 inclusion and consistency proofs, step for step as RFC 9162 §2.1.3.2 and §2.1.4.2 write
/// them. Inputs are raw bytes as they arrive from a receipt or a bundle, so every length is checked here.
/// </summary>
public static class MerkleProof
{
    /// <summary>
    /// Checks that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree of <paramref name="size"/> leaves
    /// with <paramref name="root"/>.
    /// </summary>
    /// <param name="index">The leaf index, counting from 0.</param>
    /// <param name="size">The tree size.</param>
    /// <param name="leafHash">The 32-byte leaf hash, SHA-256(0x00 ‖ leaf data).</param>
    /// <param name="proof">The inclusion path, bottom-up.</param>
    /// <param name="root">The 32-byte root of the tree.</param>
    /// <returns>Valid, or what did not match.</returns>
    public static TransparencyResult VerifyInclusion(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        // 1. leaf_index must be less than tree_size.
        if (index < 0 || size < 0 || index >= size)
        {
            return TransparencyResult.Invalid($"leaf index {index} is not in a tree of {size}");
        }

        if (HashLengthFailure("leaf hash", leafHash) is { } leafFailure)
        {
            return TransparencyResult.Invalid(leafFailure);
        }

        if (HashLengthFailure("root", root) is { } rootFailure)
        {
            return TransparencyResult.Invalid(rootFailure);
        }

        Span<byte> r = stackalloc byte[MerkleHash.Size];
        if (RootFromInclusionProof(index, size, leafHash, proof, r) is { } failure)
        {
            return TransparencyResult.Invalid(failure);
        }

        return r.SequenceEqual(root)
            ? TransparencyResult.Valid
            : TransparencyResult.Invalid(
                $"inclusion proof for index {index} in a tree of {size} gives root {Convert.ToBase64String(r)}, not {Convert.ToBase64String(root)}");
    }

    /// <summary>
    /// Steps 2 to 5 of RFC 9162 §2.1.3.2: the root that <paramref name="proof"/> leads to from <paramref name="leafHash"/>
    /// at <paramref name="index"/> in a tree of <paramref name="size"/>, written to <paramref name="r"/>; or why the proof
    /// has the wrong shape. The caller has checked the index range and the leaf hash length.
    /// </summary>
    internal static string? RootFromInclusionProof(long index, long size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, Span<byte> r)
    {
        // Not a step of the RFC, but it turns "root mismatch" into a message that says what was wrong.
        var want = InclusionProofLength(index, size);
        if (proof.Count != want)
        {
            return $"inclusion proof has {proof.Count} hashes, want {want} for index {index} in a tree of {size}";
        }

        if (ProofLengthFailure("inclusion", proof) is { } proofFailure)
        {
            return proofFailure;
        }

        // 2. Set fn to leaf_index and sn to tree_size - 1. 3. Set r to hash.
        ulong fn = (ulong)index, sn = (ulong)size - 1;
        leafHash.CopyTo(r);

        // 4. For each value p in the inclusion_path array:
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return $"inclusion proof for index {index} in a tree of {size} is longer than the path to the root";
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHashing.NodeHash(p, r, r);
                ShiftUntilLsbSetOrZero(ref fn, ref sn);
            }
            else
            {
                MerkleHashing.NodeHash(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // 5. sn must be 0 (the caller compares r with root_hash).
        return sn == 0 ? null : $"inclusion proof for index {index} in a tree of {size} stops below the root";
    }

    /// <summary>Checks an inclusion proof against hashes already in <see cref="MerkleHash"/> form.</summary>
    /// <param name="index">The leaf index, counting from 0.</param>
    /// <param name="size">The tree size.</param>
    /// <param name="leafHash">The leaf hash.</param>
    /// <param name="proof">The inclusion path, bottom-up.</param>
    /// <param name="root">The root of the tree.</param>
    /// <returns>Valid, or what did not match.</returns>
    public static TransparencyResult VerifyInclusion(long index, long size, MerkleHash leafHash, IReadOnlyList<MerkleHash> proof, MerkleHash root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return VerifyInclusion(index, size, leafHash.ToArray(), ToArrays(proof), root.ToArray());
    }

    /// <summary>
    /// Checks that the tree of <paramref name="size2"/> leaves with <paramref name="root2"/> extends the tree of <paramref name="size1"/> leaves
    /// with <paramref name="root1"/>.
    /// </summary>
    /// <param name="size1">The earlier tree size, at least 1 (every tree extends the empty one, so that would prove nothing).</param>
    /// <param name="size2">The later tree size.</param>
    /// <param name="proof">The consistency proof.</param>
    /// <param name="root1">The earlier root.</param>
    /// <param name="root2">The later root.</param>
    /// <returns>Valid, or what did not match.</returns>
    public static TransparencyResult VerifyConsistency(long size1, long size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 < 1)
        {
            // A proof from the empty tree is vacuous; a caller holding size 0 has nothing to check against.
            return TransparencyResult.Invalid($"consistency from a tree of {size1} proves nothing: the earlier size must be at least 1");
        }

        if (size2 < size1)
        {
            return TransparencyResult.Invalid($"the later tree ({size2}) is smaller than the earlier one ({size1})");
        }

        if (size1 == size2)
        {
            // Same size: the trees are consistent exactly when the roots are equal, and the proof is empty (RFC 9162 §2.1.4.1).
            if (proof.Count != 0)
            {
                return TransparencyResult.Invalid($"consistency proof between equal sizes ({size1}) must be empty, it has {proof.Count} hashes");
            }

            return root1.SequenceEqual(root2)
                ? TransparencyResult.Valid
                : TransparencyResult.Invalid(
                    $"trees of equal size {size1} have different roots {Convert.ToBase64String(root1)} and {Convert.ToBase64String(root2)}");
        }

        if (HashLengthFailure("earlier root", root1) is { } root1Failure)
        {
            return TransparencyResult.Invalid(root1Failure);
        }

        if (HashLengthFailure("later root", root2) is { } root2Failure)
        {
            return TransparencyResult.Invalid(root2Failure);
        }

        // 1. An empty consistency_path fails.
        if (proof.Count == 0)
        {
            return TransparencyResult.Invalid($"consistency proof from {size1} to {size2} is empty");
        }

        Span<byte> fr = stackalloc byte[MerkleHash.Size];
        Span<byte> sr = stackalloc byte[MerkleHash.Size];
        if (RootsFromConsistencyProof(size1, size2, proof, root1, fr, sr) is { } failure)
        {
            return TransparencyResult.Invalid(failure);
        }

        if (!fr.SequenceEqual(root1))
        {
            return TransparencyResult.Invalid(
                $"consistency proof from {size1} to {size2} gives earlier root {Convert.ToBase64String(fr)}, not {Convert.ToBase64String(root1)}");
        }

        return sr.SequenceEqual(root2)
            ? TransparencyResult.Valid
            : TransparencyResult.Invalid(
                $"consistency proof from {size1} to {size2} gives later root {Convert.ToBase64String(sr)}, not {Convert.ToBase64String(root2)}");
    }

    /// <summary>
    /// Steps 2 to 7 of RFC 9162 §2.1.4.2 for 1 ≤ size1 &lt; size2 and a non-empty proof: the earlier and later roots the
    /// proof leads to, written to <paramref name="fr"/> and <paramref name="sr"/>; or why the proof has the wrong shape.
    /// <paramref name="root1"/> seeds the walk when size1 is a power of two.
    /// </summary>
    internal static string? RootsFromConsistencyProof(long size1, long size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1,
        Span<byte> fr, Span<byte> sr)
    {
        var want = ConsistencyProofLength(size1, size2);
        if (proof.Count != want)
        {
            return $"consistency proof has {proof.Count} hashes, want {want} from size {size1} to {size2}";
        }

        if (ProofLengthFailure("consistency", proof) is { } proofFailure)
        {
            return proofFailure;
        }

        // 2. If first is an exact power of 2, prepend first_hash to the consistency_path.
        var path = new List<byte[]>(proof.Count + 1);
        if (BitOperations.IsPow2((ulong)size1))
        {
            path.Add(root1.ToArray());
        }

        path.AddRange(proof);

        // 3. Set fn to first - 1 and sn to second - 1.
        ulong fn = (ulong)size1 - 1, sn = (ulong)size2 - 1;

        // 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // 5. Set both fr and sr to the first value in the consistency_path.
        path[0].CopyTo(fr);
        path[0].CopyTo(sr);

        // 6. For each subsequent value c in the consistency_path:
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return $"consistency proof from {size1} to {size2} is longer than the path to the root";
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                MerkleHashing.NodeHash(c, fr, fr);
                MerkleHashing.NodeHash(c, sr, sr);
                ShiftUntilLsbSetOrZero(ref fn, ref sn);
            }
            else
            {
                MerkleHashing.NodeHash(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // 7. sn must be 0 (the caller compares fr with first_hash and sr with second_hash).
        return sn == 0 ? null : $"consistency proof from {size1} to {size2} stops below the root";
    }

    /// <summary>Checks a consistency proof against hashes already in <see cref="MerkleHash"/> form.</summary>
    /// <param name="size1">The earlier tree size, at least 1.</param>
    /// <param name="size2">The later tree size.</param>
    /// <param name="proof">The consistency proof.</param>
    /// <param name="root1">The earlier root.</param>
    /// <param name="root2">The later root.</param>
    /// <returns>Valid, or what did not match.</returns>
    public static TransparencyResult VerifyConsistency(long size1, long size2, IReadOnlyList<MerkleHash> proof, MerkleHash root1, MerkleHash root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return VerifyConsistency(size1, size2, ToArrays(proof), root1.ToArray(), root2.ToArray());
    }

    /// <summary>
    /// The number of hashes in the inclusion proof of <paramref name="index"/> in a tree of <paramref name="size"/>:
    /// one per level below the point where the paths to index and to size − 1 part (the inner part), plus one per set
    /// bit of index above it (the border part).
    /// </summary>
    internal static int InclusionProofLength(long index, long size)
    {
        var inner = 64 - BitOperations.LeadingZeroCount((ulong)(index ^ (size - 1)));
        var border = BitOperations.PopCount((ulong)index >> inner);
        return inner + border;
    }

    /// <summary>The number of hashes in the consistency proof from <paramref name="size1"/> to <paramref name="size2"/> (1 ≤ size1 &lt; size2).</summary>
    internal static int ConsistencyProofLength(long size1, long size2)
    {
        // The proof is the inclusion proof of leaf size1 − 1 with the levels below the largest complete subtree ending at
        // size1 cut off, plus that subtree's root unless size1 is itself a power of two (the verifier holds it then).
        var shift = BitOperations.TrailingZeroCount((ulong)size1);
        var length = InclusionProofLength(size1 - 1, size2) - shift;
        return BitOperations.IsPow2((ulong)size1) ? length : length + 1;
    }

    /// <summary>RFC 9162: "If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."</summary>
    private static void ShiftUntilLsbSetOrZero(ref ulong fn, ref ulong sn)
    {
        while ((fn & 1) == 0 && fn != 0)
        {
            fn >>= 1;
            sn >>= 1;
        }
    }

    private static string? HashLengthFailure(string what, ReadOnlySpan<byte> hash) =>
        hash.Length == MerkleHash.Size ? null : $"{what} is {hash.Length} bytes, want {MerkleHash.Size}";

    private static string? ProofLengthFailure(string kind, IReadOnlyList<byte[]> proof)
    {
        for (var i = 0; i < proof.Count; i++)
        {
            if (proof[i] is null || proof[i].Length != MerkleHash.Size)
            {
                return $"{kind} proof hash {i} is {proof[i]?.Length ?? 0} bytes, want {MerkleHash.Size}";
            }
        }

        return null;
    }

    private static byte[][] ToArrays(IReadOnlyList<MerkleHash> hashes)
    {
        var arrays = new byte[hashes.Count][];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = hashes[i].ToArray();
        }

        return arrays;
    }
}
