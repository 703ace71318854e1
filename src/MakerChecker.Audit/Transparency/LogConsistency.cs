namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Checks that a log still extends a checkpoint signed earlier: on opening a store (rollback detection) and between two
/// audits (an inspector holding an older checkpoint). When it does not, says whether the log is shorter or rewritten and,
/// given the older log's hashes, the first event that differs.
/// </summary>
public static class LogConsistency
{
    /// <summary>Checks that the first <c>checkpoint.Size</c> leaves of <paramref name="tree"/> are those the checkpoint signed.</summary>
    /// <param name="checkpoint">The earlier checkpoint (its signature already verified, for example by <see cref="SignedCheckpoint.TryOpen"/>).</param>
    /// <param name="tree">The log's tree now. Its hashes must have been recomputed from the log's events, not trusted from disk.</param>
    /// <param name="olderTree">The tree of the log as it was at the checkpoint (for example rebuilt from an older bundle), to locate a divergence; optional.</param>
    /// <returns>The report, with the consistency proof when the log extends the checkpoint.</returns>
    public static ConsistencyReport CheckExtends(Checkpoint checkpoint, MerkleTree tree, MerkleTree? olderTree = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(tree);
        if (olderTree is not null && (olderTree.Size < checkpoint.Size || olderTree.RootAt(checkpoint.Size) != checkpoint.Root))
        {
            throw new ArgumentException($"The older tree is not the log of checkpoint {checkpoint}: it cannot locate a divergence.", nameof(olderTree));
        }

        if (tree.Size < checkpoint.Size)
        {
            long? first = olderTree is null ? null : FirstDivergentLeaf(olderTree, tree, tree.Size) ?? tree.Size;
            return ConsistencyReport.Broken(
                "log_shorter_than_checkpoint",
                $"the log has {tree.Size} events but its signed checkpoint covers {checkpoint.Size}: it was truncated or rolled back" + Located(first),
                first);
        }

        if (checkpoint.Size == 0)
        {
            return ConsistencyReport.Extending([]);
        }

        var root = tree.RootAt(checkpoint.Size);
        if (root != checkpoint.Root)
        {
            long? first = olderTree is null ? null : FirstDivergentLeaf(olderTree, tree, checkpoint.Size);
            return ConsistencyReport.Broken(
                "log_diverges_from_checkpoint",
                $"the first {checkpoint.Size} events no longer match the signed checkpoint: their root is {root}, the checkpoint's is {checkpoint.Root}" + Located(first),
                first);
        }

        // Equal roots at the checkpoint's size already prove it; the proof is what an inspector needs to check the same
        // claim against the current checkpoint without the log.
        return ConsistencyReport.Extending(tree.ProveConsistency(checkpoint.Size, tree.Size));
    }

    /// <summary>
    /// The first leaf index below <paramref name="size"/> where two trees differ, or <see langword="null"/> if their
    /// first <paramref name="size"/> leaves are equal. Compares stored subtree hashes from the top down: O(log n) reads.
    /// </summary>
    /// <param name="a">One tree.</param>
    /// <param name="b">The other.</param>
    /// <param name="size">How many leaves to compare; at most both trees' sizes.</param>
    /// <returns>The first differing leaf index, or <see langword="null"/>.</returns>
    public static long? FirstDivergentLeaf(MerkleTree a, MerkleTree b, long size)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (size < 0 || size > a.Size || size > b.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Cannot compare {size} leaves of trees of {a.Size} and {b.Size}.");
        }

        // Walk the complete subtrees that make up [0, size), left to right; the first whose hashes differ holds the
        // first differing leaf. Inside it, go left whenever the left halves differ.
        for (long lo = 0; lo < size;)
        {
            var (k, level) = StoredHashIndex.MaxPow2Below(size - lo + 1);
            var n = lo >> level;
            if (a.StoredHashAt(level, n) != b.StoredHashAt(level, n))
            {
                for (; level > 0; level--)
                {
                    n = a.StoredHashAt(level - 1, 2 * n) != b.StoredHashAt(level - 1, 2 * n) ? 2 * n : (2 * n) + 1;
                }

                return n;
            }

            lo += k;
        }

        return null;
    }

    private static string Located(long? first) => first is { } index ? $"; the first differing event is at index {index}" : string.Empty;
}
