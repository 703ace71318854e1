using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Recovery on open for <see cref="CheckpointedAuditStore"/>. Opened for writing over a hash store that holds the tree
/// the latest signed checkpoint signed, it reads only the events from the checkpoint on (<see cref="FromCheckpointAsync"/>).
/// Otherwise (read-only, no checkpoint yet, a hash file lost, damaged or disagreeing with the log) one pass over the
/// whole log recomputes every leaf and the hashes the tree stores, compares them with the hash file (never trusted:
/// repaired from the log where it disagrees, when opened for writing), then checks the log extends its latest signed
/// checkpoint (<see cref="LogConsistency.Check"/>).
/// </summary>
internal static partial class CheckpointedLogRecovery
{
    /// <summary>
    /// Rebuilds the tree from the log's events (checking, and when writing repairing, the hash file), loads the checkpoint
    /// history and runs the rollback check. Opened for writing, a log that no longer extends its checkpoint is refused.
    /// </summary>
    internal static async Task<CheckpointedLogState> OpenAsync(IAuditStore inner, CheckpointedAuditStoreOptions options, bool readOnly,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(readOnly);
        var prefix = options.FilePrefix ?? (inner as FileAuditStore)?.Path;
        var origin = options.Origin ?? options.VerifierKey?.Name
            ?? (prefix is null ? null : CheckpointHistory.PeekOrigin(prefix + CheckpointedAuditStore.HistoryFileSuffix))
            ?? "makerchecker.audit/" + inner.InstanceId;
        var key = options.Signer is { } signer ? NoteVerifierKey.FromEd25519(origin, signer.PublicKey.Span) : options.VerifierKey!;
        if (options.VerifierKey is { } given && given.ToString() != key.ToString())
        {
            throw new ArgumentException($"The verifier key {given} is not the signer's key under origin '{origin}' ({key}).", nameof(options));
        }

        var state = new CheckpointedLogState { Origin = origin };
        try
        {
            state.History = OpenHistory(prefix, key, readOnly);
            IMerkleHashStore? reference;
            if (readOnly)
            {
                // Never written: the tree is rebuilt in memory; a hash file left beside the log only helps locate a divergence.
                reference = options.HashStore ?? (prefix is null ? null : FileMerkleHashStore.LoadCopy(prefix + CheckpointedAuditStore.HashFileSuffix));
                state.Hashes = new MemoryMerkleHashStore();
            }
            else
            {
                state.OwnsHashes = options.HashStore is null;
                state.Hashes = options.HashStore
                    ?? (prefix is null ? new MemoryMerkleHashStore() : OpenHashFile(prefix + CheckpointedAuditStore.HashFileSuffix));
                reference = state.Hashes;
            }

            var checkpoint = state.History.Latest?.Checkpoint;
            if (!readOnly && checkpoint is { Size: > 0 } &&
                await FromCheckpointAsync(inner, state.Hashes, checkpoint, cancellationToken).ConfigureAwait(false) is { } bounded)
            {
                (state.Tree, state.EventsRead) = bounded;
                state.Report = ConsistencyReport.Extending([]);
                return state;
            }

            var scan = await ScanAsync(inner, reference, state.Hashes, checkpoint?.Size ?? 0, checkLinks: !readOnly, cancellationToken)
                .ConfigureAwait(false);
            state.Report = Check(checkpoint, scan, reference);
            if (!state.Report.Extends && !readOnly)
            {
                var first = state.Report.FirstDivergentLeaf + 1;
                throw new LogRollbackException(state.Report.ReasonCode!,
                    $"The audit log {Describe(inner, prefix)} is refused: {state.Report.Failure}. Its hash chain may still verify, but the signed checkpoint " +
                    $"proves the log was rolled back or rewritten. Keep the log, '{prefix}{CheckpointedAuditStore.HistoryFileSuffix}' " +
                    $"and '{prefix}{CheckpointedAuditStore.HashFileSuffix}' as evidence; open it read-only to inspect it.",
                    first);
            }

            if (!readOnly && (scan.FirstMismatch is not null || scan.ReferenceLeaves > scan.EventCount))
            {
                await RepairAsync(inner, state.Hashes, Math.Min(scan.FirstMismatch ?? scan.ReferenceLeaves, scan.EventCount), cancellationToken)
                    .ConfigureAwait(false);
            }

            state.Tree = new MerkleTree(state.Hashes);
            state.EventsRead = scan.EventCount;
            if (readOnly && reference is not null)
            {
                state.OlderTree = new MerkleTree(reference);
            }

            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    private static CheckpointHistory OpenHistory(string? prefix, NoteVerifierKey key, bool readOnly)
    {
        if (prefix is null)
        {
            return CheckpointHistory.InMemory(key);
        }

        var path = prefix + CheckpointedAuditStore.HistoryFileSuffix;
        try
        {
            return readOnly ? CheckpointHistory.LoadReadOnly(path, key) : CheckpointHistory.Open(path, key);
        }
        catch (InvalidDataException ex)
        {
            throw new AuditStoreException($"The checkpoint history '{path}' cannot be used: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new AuditStoreException($"The checkpoint history '{path}' cannot be opened: {ex.Message}", ex);
        }
    }

    private static FileMerkleHashStore OpenHashFile(string path)
    {
        try
        {
            return FileMerkleHashStore.Open(path);
        }
        catch (InvalidDataException ex)
        {
            throw new AuditStoreException($"'{path}' is not a Merkle hash file: {ex.Message} Move it aside; it is rebuilt from the log.", ex);
        }
    }

    /// <summary>
    /// Streams the log once: computes each event's leaf and the hashes the tree stores for it, compares them with
    /// <paramref name="reference"/> while it has them, and appends them to <paramref name="target"/> where it lacks them
    /// (while the two agree, when they are the same store). Holds O(log n) hashes. With <paramref name="checkLinks"/> (a
    /// writer, which will sign the tree) each event must also link to the one before: no checkpoint is signed over a broken chain.
    /// </summary>
    private static async Task<ScanResult> ScanAsync(IAuditStore inner, IMerkleHashStore? reference, IMerkleHashStore target, long checkpointSize,
        bool checkLinks, CancellationToken cancellationToken)
    {
        AuditEvent? previous = null;
        var referenceLeaves = reference is null ? 0 : StoredHashIndex.LeafCountWithin(reference.Count);
        var sameStore = ReferenceEquals(reference, target);
        var range = new CompactRange();
        var group = new MerkleHash[65];
        var stored = new MerkleHash[65];
        var indexes = new long[65];
        long? firstMismatch = null;
        MerkleHash? rootAtCheckpoint = null;
        using var scratch = new ByteBuffer();
        await foreach (var e in inner.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            var index = range.Size;
            if (e.Seq != index + 1)
            {
                throw new AuditStoreException(
                    $"The audit store returned event seq {e.Seq} where seq {index + 1} was expected: its events are not contiguous. Verify the log.");
            }

            if (checkLinks && previous is not null)
            {
                CheckFollows(e, previous);
            }

            previous = e;
            var n = range.Append(EventLeaf.Hash(e, scratch), group);
            if (firstMismatch is null && index < referenceLeaves)
            {
                var start = StoredHashIndex.CountFor(index);
                for (var i = 0; i < n; i++)
                {
                    indexes[i] = start + i;
                }

                reference!.Read(indexes.AsSpan(0, n), stored);
                if (!group.AsSpan(0, n).SequenceEqual(stored.AsSpan(0, n)))
                {
                    firstMismatch = index;
                }
            }

            if (sameStore ? firstMismatch is null && index >= referenceLeaves : true)
            {
                target.Append(group.AsSpan(0, n));
            }

            if (range.Size == checkpointSize)
            {
                rootAtCheckpoint = range.Root();
            }
        }

        return new ScanResult(range.Size, referenceLeaves, firstMismatch, rootAtCheckpoint);
    }

    /// <summary>The rollback check (<see cref="LogConsistency.Check"/>) on what one pass over the log computed.</summary>
    private static ConsistencyReport Check(Checkpoint? checkpoint, ScanResult scan, IMerkleHashStore? reference)
    {
        if (checkpoint is null)
        {
            return ConsistencyReport.Extending([]);
        }

        // The hash file locates the divergence only if it still holds the tree the checkpoint signed. The scan stopped
        // comparing at the first mismatch, which is then the first differing leaf below any n past it.
        var referenceIsCheckpointed = reference is not null && scan.ReferenceLeaves >= checkpoint.Size
            && new MerkleTree(reference).RootAt(checkpoint.Size) == checkpoint.Root;
        Func<long, long?>? locate = referenceIsCheckpointed ? n => scan.FirstMismatch is { } m && m < n ? m : null : null;
        return LogConsistency.Check(checkpoint, scan.EventCount, scan.RootAtCheckpoint, locate);
    }

    private static string Describe(IAuditStore inner, string? prefix) =>
        prefix is null ? $"of instance {inner.InstanceId}" : $"'{prefix}'";

    /// <summary>Drops the hash store's tail from leaf <paramref name="keep"/> on and re-appends it from the log.</summary>
    private static async Task RepairAsync(IAuditStore inner, IMerkleHashStore hashes, long keep, CancellationToken cancellationToken)
    {
        TruncateToLeaves(hashes, keep);
        var tree = new MerkleTree(hashes);
        using var scratch = new ByteBuffer();
        await foreach (var e in inner.ReadAsync(keep + 1, cancellationToken).ConfigureAwait(false))
        {
            tree.AppendLeafHash(EventLeaf.Hash(e, scratch));
        }
    }

    private sealed record ScanResult(long EventCount, long ReferenceLeaves, long? FirstMismatch, MerkleHash? RootAtCheckpoint);
}

/// <summary>What opening a checkpointed log found and holds: disposed by the store it becomes, or on a failed open.</summary>
internal sealed class CheckpointedLogState : IDisposable
{
    public required string Origin { get; init; }
    public CheckpointHistory History { get; set; } = null!;
    public IMerkleHashStore Hashes { get; set; } = null!;
    public bool OwnsHashes { get; set; }
    public MerkleTree Tree { get; set; } = null!;
    public MerkleTree? OlderTree { get; set; }
    public ConsistencyReport Report { get; set; } = null!;
    public long EventsRead { get; set; }

    public void Dispose()
    {
        History?.Dispose();
        if (OwnsHashes && Hashes is IDisposable owned)
        {
            owned.Dispose();
        }
    }
}
