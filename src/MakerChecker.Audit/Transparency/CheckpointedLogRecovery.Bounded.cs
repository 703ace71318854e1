using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

// The bounded open (docs/stores.md, "What opening checks"): time and memory independent of the number of events.
internal static partial class CheckpointedLogRecovery
{
    /// <summary>
    /// Opens from the latest signed checkpoint (size n): the hash store's tree at size n must have the checkpoint's root
    /// (O(log n) stored hashes: the frontier), the log's event n must be its last leaf, and the events after it are read
    /// and verified (each hash, each link) before the hash store's hashes after size n are replaced by theirs. Returns
    /// <see langword="null"/>, having changed nothing, when the hash store does not hold the signed tree or event n is
    /// not its last leaf: the caller then rebuilds the tree from the whole log, which tells a damaged hash file from a
    /// rolled-back or rewritten log.
    /// </summary>
    /// <exception cref="AuditStoreException">An event after the checkpoint does not hash or link: nothing was changed.</exception>
    internal static async Task<(MerkleTree Tree, long EventsRead)?> FromCheckpointAsync(IAuditStore inner, IMerkleHashStore hashes,
        Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        if (hashes is not (FileMerkleHashStore or MemoryMerkleHashStore))
        {
            return null; // a store of the caller's own cannot be cut back to the checkpoint: compare it with the whole log
        }

        MerkleTree signed;
        try
        {
            signed = new MerkleTree(hashes);
        }
        catch (InvalidDataException)
        {
            return null;
        }

        var n = checkpoint.Size;
        if (signed.Size < n || signed.RootAt(n) != checkpoint.Root)
        {
            return null;
        }

        using var scratch = new ByteBuffer();
        var tail = new List<MerkleHash>();
        AuditEvent? previous = null;
        long read = 0;
        await foreach (var e in inner.ReadAsync(n, cancellationToken).ConfigureAwait(false))
        {
            read++;
            if (previous is null)
            {
                if (e.Seq != n || EventLeaf.Hash(e, scratch) != signed.LeafHashAt(n - 1))
                {
                    return null;
                }
            }
            else
            {
                CheckFollows(e, previous);
                tail.Add(EventLeaf.Hash(e, scratch));
            }

            previous = e;
        }

        if (previous is null)
        {
            return null; // fewer than n events: the whole-log pass says how many, and where they part
        }

        // The hashes after size n are a cache of the events after it, which were just read: replace them.
        TruncateToLeaves(hashes, n);
        var tree = new MerkleTree(hashes);
        foreach (var leaf in tail)
        {
            tree.AppendLeafHash(leaf);
        }

        return (tree, read);
    }

    /// <summary>Each event read before signing must be the next seq and link to the one before.</summary>
    private static void CheckFollows(AuditEvent e, AuditEvent previous)
    {
        if (e.Seq != previous.Seq + 1)
        {
            throw new AuditStoreException(
                $"The audit store returned event seq {e.Seq} where seq {previous.Seq + 1} was expected: its events are not contiguous. Verify the log.");
        }

        if (!AuditEvent.Follows(e, previous))
        {
            throw new AuditStoreException(
                $"The audit log is not opened, and nothing was changed: event seq {e.Seq} does not link to seq {previous.Seq} (its prev_hash " +
                $"{e.PrevHash} is not that event's hash {previous.Hash}): the log was altered, and no checkpoint is signed over a broken chain. " +
                "Keep it as evidence and run 'makerchecker audit verify' on it.");
        }
    }

    /// <summary>Drops every hash of the store after its first <paramref name="leaves"/> leaves (a cache cut back to re-append it from the log).</summary>
    private static void TruncateToLeaves(IMerkleHashStore hashes, long leaves)
    {
        switch (hashes)
        {
            case FileMerkleHashStore file:
                file.Truncate(StoredHashIndex.CountFor(leaves));
                break;
            case MemoryMerkleHashStore memory:
                memory.Truncate(StoredHashIndex.CountFor(leaves));
                break;
            default:
                throw new AuditStoreException(
                    $"The supplied hash store disagrees with the log from leaf {leaves} on and cannot be truncated: " +
                    "clear it and open again to rebuild it from the log.");
        }
    }
}
