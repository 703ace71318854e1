using System.Globalization;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Checks that a log still extends a checkpoint signed earlier: on opening a store (rollback detection), before signing
/// the next checkpoint, when verifying a live log, and between two audits (an inspector holding an older checkpoint).
/// When it does not, says whether the log is shorter or rewritten and, given the older log's hashes, the first event
/// that differs. This is the one place the rule and its reason codes live.
/// </summary>
/// <remarks>
/// Positions: messages name events by <c>seq</c>, 1-based (the genesis event is seq 1), as every other audit message
/// does; <see cref="ConsistencyReport.FirstDivergentLeaf"/> is the 0-based Merkle leaf index, which is <c>seq − 1</c>.
/// </remarks>
public static class LogConsistency
{
    /// <summary>Checks that the first <c>checkpoint.Size</c> leaves of <paramref name="tree"/> are those the checkpoint signed.</summary>
    /// <param name="checkpoint">The earlier checkpoint (its signature already verified, for example by <see cref="SignedCheckpoint.TryOpen"/>).</param>
    /// <param name="tree">The log's tree now. Its hashes must have been recomputed from the log's events, not trusted from disk.</param>
    /// <param name="olderTree">
    /// The tree of the log as it was at the checkpoint (for example rebuilt from an older bundle), to locate a divergence; optional.
    /// </param>
    /// <returns>The report, with the consistency proof when the log extends the checkpoint.</returns>
    public static ConsistencyReport CheckExtends(Checkpoint checkpoint, MerkleTree tree, MerkleTree? olderTree = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(tree);
        if (olderTree is not null && (olderTree.Size < checkpoint.Size || olderTree.RootAt(checkpoint.Size) != checkpoint.Root))
        {
            throw new ArgumentException($"The older tree is not the log of checkpoint {checkpoint}: it cannot locate a divergence.", nameof(olderTree));
        }

        MerkleHash? root = tree.Size >= checkpoint.Size && checkpoint.Size > 0 ? tree.RootAt(checkpoint.Size) : null;
        Func<long, long?>? locate = olderTree is null ? null : n => FirstDivergentLeaf(olderTree, tree, n);
        return Check(checkpoint, tree.Size, root, locate, () => tree.ProveConsistency(checkpoint.Size, tree.Size));
    }

    /// <summary>
    /// The rule itself, for callers that have the log's size and root without a whole tree (a single streaming pass on
    /// open, a signer about to sign): the log must hold at least the checkpoint's events, and their root must be the
    /// checkpoint's.
    /// </summary>
    /// <param name="checkpoint">The checkpoint the log must extend.</param>
    /// <param name="logSize">How many events the log holds now.</param>
    /// <param name="rootAtCheckpointSize">
    /// The Merkle root of the log's first <c>checkpoint.Size</c> events, recomputed from the events; <see langword="null"/>
    /// when the log is shorter.
    /// </param>
    /// <param name="locate">
    /// Given n, the first leaf index below n where the log differs from the checkpointed one, or <see langword="null"/>
    /// when they agree; itself <see langword="null"/> when the older hashes are not at hand.
    /// </param>
    /// <param name="proof">The consistency proof to attach when the log extends the checkpoint; none when <see langword="null"/>.</param>
    internal static ConsistencyReport Check(
        Checkpoint checkpoint, long logSize, MerkleHash? rootAtCheckpointSize, Func<long, long?>? locate, Func<IReadOnlyList<MerkleHash>>? proof = null)
    {
        if (logSize < checkpoint.Size)
        {
            // Every remaining event may match: then the first missing one is where the logs part.
            long? first = locate is null ? null : locate(logSize) ?? logSize;
            return ConsistencyReport.Broken(
                AuditReasonCodes.LogShorterThanCheckpoint,
                $"the log has {Count(logSize)} events but its signed checkpoint covers {Count(checkpoint.Size)} events: " +
                "it was truncated or rolled back" + Located(first),
                first);
        }

        if (checkpoint.Size > 0 && rootAtCheckpointSize != checkpoint.Root)
        {
            long? first = locate?.Invoke(checkpoint.Size);
            return ConsistencyReport.Broken(
                AuditReasonCodes.LogDivergesFromCheckpoint,
                $"the first {Count(checkpoint.Size)} events no longer match the signed checkpoint: their root is {rootAtCheckpointSize}, " +
                $"the checkpoint's is {checkpoint.Root}" + Located(first),
                first);
        }

        // Equal roots at the checkpoint's size already prove it; the proof is what an inspector needs to check the same
        // claim against the current checkpoint without the log.
        return ConsistencyReport.Extending(checkpoint.Size == 0 || proof is null ? [] : proof());
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

    private static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Names the first differing event by its seq (leaf index + 1).</summary>
    private static string Located(long? firstLeaf) =>
        firstLeaf is { } leaf ? $"; the first event that differs from the checkpointed log is seq {Count(leaf + 1)}" : string.Empty;
}
