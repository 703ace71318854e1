using System.Numerics;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// An RFC 6962 / RFC 9162 Merkle tree kept incrementally over an <see cref="IMerkleHashStore"/>: an append stores the
/// leaf hash and the hashes of the subtrees it completes (O(log n) reads and writes), and roots and proofs for any
/// tree size up to <see cref="Size"/> are assembled from O(log n) stored hashes, never by rebuilding the tree.
/// </summary>
/// <remarks>
/// The algorithms are those of Go's <c>golang.org/x/mod/sumdb/tlog</c> (TreeHash, StoredHashesForRecordHash,
/// ProveRecord, ProveTree). Not thread-safe: the log that owns the tree serialises appends, as it does for events.
/// </remarks>
public sealed class MerkleTree
{
    private readonly IMerkleHashStore _store;

    /// <summary>Opens the tree whose hashes <paramref name="store"/> holds.</summary>
    /// <param name="store">The stored hashes; empty for a new tree.</param>
    /// <exception cref="InvalidDataException">The store holds a hash count that no tree size produces.</exception>
    public MerkleTree(IMerkleHashStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        var count = store.Count;
        Size = StoredHashIndex.LeafCountWithin(count);
        if (StoredHashIndex.CountFor(Size) != count)
        {
            throw new InvalidDataException(
                $"The hash store holds {count} hashes, which no tree size produces ({Size} leaves need {StoredHashIndex.CountFor(Size)}): " +
                "its last append was cut short. Truncate it to the last whole leaf or rebuild it from the log.");
        }
    }

    /// <summary>The number of leaves.</summary>
    public long Size { get; private set; }

    /// <summary>The root of the whole tree (the root of the empty tree, SHA-256 of nothing, when there are no leaves).</summary>
    public MerkleHash Root => RootAt(Size);

    /// <summary>Appends a leaf of <paramref name="leafData"/> (for the audit log, the event's exact canonical JSON).</summary>
    /// <param name="leafData">The leaf's bytes.</param>
    /// <returns>The new leaf's index, counting from 0.</returns>
    public long Append(ReadOnlySpan<byte> leafData) => AppendLeafHash(MerkleHashing.LeafHash(leafData));

    /// <summary>Appends a leaf whose RFC 6962 leaf hash the caller computed already.</summary>
    /// <param name="leafHash">SHA-256(0x00 ‖ leaf data).</param>
    /// <returns>The new leaf's index, counting from 0.</returns>
    public long AppendLeafHash(MerkleHash leafHash)
    {
        var n = Size;
        // Each trailing 1 bit of n completes a subtree when leaf n arrives: the leaf hash is combined with the stored
        // left sibling at each of those levels (tlog's StoredHashesForRecordHash).
        var completed = BitOperations.TrailingZeroCount((ulong)(n + 1));
        Span<long> indexes = stackalloc long[completed];
        for (var i = 0; i < completed; i++)
        {
            // Sorted ascending, the order the store reads best; n >> i is always odd here.
            indexes[completed - 1 - i] = StoredHashIndex.Of(i, (n >> i) - 1);
        }

        Span<MerkleHash> siblings = stackalloc MerkleHash[completed];
        _store.Read(indexes, siblings);

        Span<MerkleHash> added = stackalloc MerkleHash[completed + 1];
        added[0] = leafHash;
        for (var i = 0; i < completed; i++)
        {
            added[i + 1] = MerkleHashing.NodeHash(siblings[completed - 1 - i], added[i]);
        }

        _store.Append(added);
        Size = n + 1;
        return n;
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    /// <param name="index">A leaf index below <see cref="Size"/>.</param>
    /// <returns>The stored leaf hash.</returns>
    public MerkleHash LeafHashAt(long index)
    {
        if (index < 0 || index >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf {index} is not in a tree of {Size}.");
        }

        Span<long> indexes = [StoredHashIndex.Of(0, index)];
        Span<MerkleHash> hash = stackalloc MerkleHash[1];
        _store.Read(indexes, hash);
        return hash[0];
    }

    /// <summary>MTH of the first <paramref name="size"/> leaves: the root the tree had when it had that many leaves.</summary>
    /// <param name="size">A tree size from 0 to <see cref="Size"/>.</param>
    /// <returns>The root hash at that size.</returns>
    public MerkleHash RootAt(long size)
    {
        CheckSize(size, nameof(size));
        if (size == 0)
        {
            return MerkleHashing.EmptyRoot;
        }

        var need = new List<long>();
        SubTreeIndexes(0, size, need);
        var reader = Read(need);
        var root = reader.SubTreeHash(0, size);
        reader.EnsureConsumed();
        return root;
    }

    /// <summary>
    /// The RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf <paramref name="index"/> in the tree of the first
    /// <paramref name="size"/> leaves, bottom-up.
    /// </summary>
    /// <param name="index">The leaf, below <paramref name="size"/>.</param>
    /// <param name="size">The tree size the proof is for, at most <see cref="Size"/>.</param>
    /// <returns>The sibling hashes from the leaf up to the root.</returns>
    public MerkleHash[] ProveInclusion(long index, long size)
    {
        CheckSize(size, nameof(size));
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Leaf {index} is not in a tree of {size}.");
        }

        var need = new List<long>();
        InclusionIndexes(0, size, index, need);
        var reader = Read(need);
        var proof = new List<MerkleHash>(need.Count);
        reader.InclusionProof(0, size, index, proof);
        reader.EnsureConsumed();
        return [.. proof];
    }

    /// <summary>
    /// The RFC 9162 §2.1.4.1 consistency proof that the tree of <paramref name="newSize"/> leaves extends the tree of
    /// <paramref name="oldSize"/> leaves.
    /// </summary>
    /// <param name="oldSize">The earlier size, from 1 to <paramref name="newSize"/>.</param>
    /// <param name="newSize">The later size, at most <see cref="Size"/>.</param>
    /// <returns>The proof hashes (none when the sizes are equal).</returns>
    public MerkleHash[] ProveConsistency(long oldSize, long newSize)
    {
        CheckSize(newSize, nameof(newSize));
        if (oldSize < 1 || oldSize > newSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), oldSize, $"A consistency proof needs 1 ≤ old size ≤ new size ({newSize}).");
        }

        var need = new List<long>();
        ConsistencyIndexes(0, newSize, oldSize, need);
        var reader = Read(need);
        var proof = new List<MerkleHash>(need.Count);
        reader.ConsistencyProof(0, newSize, oldSize, proof);
        reader.EnsureConsumed();
        return [.. proof];
    }

    /// <summary>Reads the stored hash at <paramref name="level"/> covering leaves [n·2^level, (n+1)·2^level).</summary>
    internal MerkleHash StoredHashAt(int level, long n)
    {
        Span<long> indexes = [StoredHashIndex.Of(level, n)];
        Span<MerkleHash> hash = stackalloc MerkleHash[1];
        _store.Read(indexes, hash);
        return hash[0];
    }

    private void CheckSize(long size, string parameter)
    {
        if (size < 0 || size > Size)
        {
            throw new ArgumentOutOfRangeException(parameter, size, $"Tree size {size} is out of range: the tree has {Size} leaves.");
        }
    }

    private HashCursor Read(List<long> need)
    {
        var hashes = new MerkleHash[need.Count];
        _store.Read(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(need), hashes);
        return new HashCursor(hashes);
    }

    // The index functions below list, in order, the stored hashes that the matching HashCursor method consumes. They
    // split [lo, hi) as RFC 6962 does: a left part of the largest power of two below hi − lo, and the rest.

    /// <summary>The stored hashes of the maximal complete subtrees that make up [lo, hi), left to right.</summary>
    private static void SubTreeIndexes(long lo, long hi, List<long> need)
    {
        while (lo < hi)
        {
            var (k, level) = StoredHashIndex.MaxPow2Below(hi - lo + 1);
            need.Add(StoredHashIndex.Of(level, lo >> level));
            lo += k;
        }
    }

    private static void InclusionIndexes(long lo, long hi, long n, List<long> need)
    {
        if (lo + 1 == hi)
        {
            return;
        }

        var (k, _) = StoredHashIndex.MaxPow2Below(hi - lo);
        if (n < lo + k)
        {
            InclusionIndexes(lo, lo + k, n, need);
            SubTreeIndexes(lo + k, hi, need);
        }
        else
        {
            SubTreeIndexes(lo, lo + k, need);
            InclusionIndexes(lo + k, hi, n, need);
        }
    }

    private static void ConsistencyIndexes(long lo, long hi, long n, List<long> need)
    {
        if (n == hi)
        {
            // lo == 0: the old tree is exactly this subtree and the verifier holds its root already.
            if (lo != 0)
            {
                SubTreeIndexes(lo, hi, need);
            }

            return;
        }

        var (k, _) = StoredHashIndex.MaxPow2Below(hi - lo);
        if (n <= lo + k)
        {
            ConsistencyIndexes(lo, lo + k, n, need);
            SubTreeIndexes(lo + k, hi, need);
        }
        else
        {
            SubTreeIndexes(lo, lo + k, need);
            ConsistencyIndexes(lo + k, hi, n, need);
        }
    }

    /// <summary>Consumes hashes read for one of the index lists above, in the same order, to build the result.</summary>
    private sealed class HashCursor(MerkleHash[] hashes)
    {
        private int _next;

        public MerkleHash SubTreeHash(long lo, long hi)
        {
            var count = 0;
            for (var at = lo; at < hi; count++)
            {
                at += StoredHashIndex.MaxPow2Below(hi - at + 1).K;
            }

            // MTH of a fringe is the right fold of its complete subtrees: H(t0, H(t1, … t_last)).
            var hash = hashes[_next + count - 1];
            for (var i = count - 2; i >= 0; i--)
            {
                hash = MerkleHashing.NodeHash(hashes[_next + i], hash);
            }

            _next += count;
            return hash;
        }

        public void InclusionProof(long lo, long hi, long n, List<MerkleHash> proof)
        {
            if (lo + 1 == hi)
            {
                // The verifier knows the leaf hash, so the path starts above it.
                return;
            }

            var (k, _) = StoredHashIndex.MaxPow2Below(hi - lo);
            if (n < lo + k)
            {
                InclusionProof(lo, lo + k, n, proof);
                proof.Add(SubTreeHash(lo + k, hi));
            }
            else
            {
                var left = SubTreeHash(lo, lo + k);
                InclusionProof(lo + k, hi, n, proof);
                proof.Add(left);
            }
        }

        public void ConsistencyProof(long lo, long hi, long n, List<MerkleHash> proof)
        {
            if (n == hi)
            {
                if (lo != 0)
                {
                    proof.Add(SubTreeHash(lo, hi));
                }

                return;
            }

            var (k, _) = StoredHashIndex.MaxPow2Below(hi - lo);
            if (n <= lo + k)
            {
                ConsistencyProof(lo, lo + k, n, proof);
                proof.Add(SubTreeHash(lo + k, hi));
            }
            else
            {
                var left = SubTreeHash(lo, lo + k);
                ConsistencyProof(lo + k, hi, n, proof);
                proof.Add(left);
            }
        }

        public void EnsureConsumed()
        {
            if (_next != hashes.Length)
            {
                throw new InvalidOperationException($"Proof assembly used {_next} of {hashes.Length} hashes read: the index and proof walks disagree.");
            }
        }
    }
}
