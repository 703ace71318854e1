using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// What checking a live log against the latest checkpoint in its history found.
/// </summary>
/// <param name="Number">The checkpoint's position in the history, 1-based (the history's record count).</param>
/// <param name="Latest">The latest signed checkpoint.</param>
/// <param name="SignedBy">The key that signed it, as <c>name+keyid</c> (hex).</param>
/// <param name="SignerPinned">Whether its signature, and every other in the history, was verified under a pinned key; otherwise none was checked.</param>
/// <param name="LogSize">How many events the log holds.</param>
/// <param name="Report">Whether the log extends the checkpoint (<see cref="LogConsistency.Check"/>).</param>
internal sealed record LatestCheckpointCheck(
    int Number, SignedCheckpoint Latest, string SignedBy, bool SignerPinned, long LogSize, ConsistencyReport Report);

/// <summary>
/// Read-only inspection of a checkpointed log: checks a log against the latest checkpoint of its history without opening
/// anything for writing (no lock, no hash file, no repair), with or without the checkpoint key pinned.
/// </summary>
internal static class CheckpointInspection
{
    /// <summary>
    /// Checks that <paramref name="log"/> holds at least the latest checkpoint's events and that their Merkle root is the
    /// checkpoint's. With <paramref name="pinnedKey"/> every signature in the history is verified under it; without,
    /// the history's form and consistency proofs are still checked but no signature is.
    /// </summary>
    /// <returns>The result, or <see langword="null"/> when there is no history file or it holds no checkpoint.</returns>
    /// <exception cref="InvalidDataException">The history is malformed, inconsistent, or (pinned) not signed by the pinned key.</exception>
    /// <exception cref="AuditStoreException">The log's events are not contiguous.</exception>
    internal static async Task<LatestCheckpointCheck?> CheckLatestAsync(
        IAuditStore log, string historyPath, NoteVerifierKey? pinnedKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<CheckpointRecord> records;
        if (pinnedKey is null)
        {
            records = CheckpointHistory.ReadUnverified(historyPath);
        }
        else
        {
            using var history = CheckpointHistory.LoadReadOnly(historyPath, pinnedKey);
            records = history.Records;
        }

        if (records.Count == 0)
        {
            return null;
        }

        var latest = records[^1].Checkpoint;
        string signedBy;
        if (pinnedKey is not null)
        {
            signedBy = $"{pinnedKey.Name}+{pinnedKey.KeyId:x8}";
        }
        else
        {
            SignedCheckpoint.TryReadUnverified(latest.NoteText, out _, out var signatures, out _);
            signedBy = string.Join(", ", signatures.Select(s => $"{s.Name}+{s.KeyId:x8}"));
        }

        var (size, root) = await RootAtAsync(log, latest.Checkpoint.Size, cancellationToken).ConfigureAwait(false);
        var report = LogConsistency.Check(latest.Checkpoint, size, root, locate: null);
        return new LatestCheckpointCheck(records.Count, latest, signedBy, pinnedKey is not null, size, report);
    }

    /// <summary>
    /// Streams the log once: its event count and the Merkle root of its first <paramref name="size"/> events (if it has
    /// them). O(log n) memory.
    /// </summary>
    internal static async Task<(long Count, MerkleHash? Root)> RootAtAsync(IAuditStore log, long size, CancellationToken cancellationToken)
    {
        var range = new CompactRange();
        MerkleHash? root = null;
        using var scratch = new ByteBuffer();
        await foreach (var e in log.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq != range.Size + 1)
            {
                throw new AuditStoreException(
                    $"The audit store returned event seq {e.Seq} where seq {range.Size + 1} was expected: its events are not contiguous.");
            }

            range.Append(EventLeaf.Hash(e, scratch));
            if (range.Size == size)
            {
                root = range.Root();
            }
        }

        return (range.Size, root);
    }
}
