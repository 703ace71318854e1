namespace MakerChecker.Audit.Transparency;

/// <summary>
/// The right edge of a Merkle tree built leaf by leaf in O(log n) memory: the roots of its maximal complete subtrees.
/// It yields, for each leaf, the same group of hashes <see cref="MerkleTree.AppendLeafHash"/> stores (so a hash file can
/// be checked record by record while the log streams past), and the root at the current size.
/// </summary>
internal sealed class CompactRange
{
    // Subtree roots from the largest (leftmost) to the smallest; their sizes are the 1 bits of Size.
    private readonly List<MerkleHash> _subtrees = [];

    public long Size { get; private set; }

    /// <summary>Adds a leaf and writes into <paramref name="group"/> the hashes a tree stores for it; returns how many.</summary>
    public int Append(MerkleHash leafHash, Span<MerkleHash> group)
    {
        var completed = System.Numerics.BitOperations.TrailingZeroCount((ulong)(Size + 1));
        group[0] = leafHash;
        for (var i = 0; i < completed; i++)
        {
            group[i + 1] = MerkleHashing.NodeHash(_subtrees[^1], group[i]);
            _subtrees.RemoveAt(_subtrees.Count - 1);
        }

        _subtrees.Add(group[completed]);
        Size++;
        return completed + 1;
    }

    /// <summary>Adds a leaf.</summary>
    public void Append(MerkleHash leafHash)
    {
        Span<MerkleHash> group = stackalloc MerkleHash[65];
        Append(leafHash, group);
    }

    /// <summary>MTH of the leaves so far: the right fold of the subtree roots.</summary>
    public MerkleHash Root()
    {
        if (_subtrees.Count == 0)
        {
            return MerkleHashing.EmptyRoot;
        }

        var root = _subtrees[^1];
        for (var i = _subtrees.Count - 2; i >= 0; i--)
        {
            root = MerkleHashing.NodeHash(_subtrees[i], root);
        }

        return root;
    }
}
