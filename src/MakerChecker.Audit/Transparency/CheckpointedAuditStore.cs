using System.Globalization;
using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Wraps any <see cref="IAuditStore"/> with an RFC 6962 Merkle tree over its events and signed checkpoints of it: every
/// N events or T seconds, at every full export, and on demand. It refuses to open a log that no longer extends its last
/// signed checkpoint (truncated, rolled back or rewritten, even with a consistent chain), issues receipts for single
/// events, and checks that the log extends a checkpoint an inspector kept.
/// </summary>
/// <remarks>
/// <para>An event's leaf is added only after the inner store's append has returned (the event is durable), and the
/// hash file is flushed before each signature, so no checkpoint is ever ahead of the durable log. The tree is
/// recomputed from the events on every open; the hash file beside the log is only a cache, checked record by record
/// and repaired from the log when it disagrees.</para>
/// <para>Disposing the store disposes the inner store. It signs a last checkpoint first when events arrived since the latest.</para>
/// </remarks>
public sealed class CheckpointedAuditStore : IAuditStore
{
    /// <summary>The suffix of the tree's hash file beside the log.</summary>
    public const string HashFileSuffix = ".merkle";

    /// <summary>The suffix of the checkpoint history file beside the log.</summary>
    public const string HistoryFileSuffix = ".checkpoints";

    private readonly IAuditStore _inner;
    private readonly IMerkleHashStore _hashes;
    private readonly bool _ownsHashes;
    private readonly MerkleTree _tree;
    private readonly MerkleTree? _olderTree;
    private readonly CheckpointHistory _history;
    private readonly CheckpointSigner? _signer;
    private readonly CheckpointSchedule? _schedule;
    private readonly ITimer? _timer;

    // Guards the tree, the leaves waiting for their turn and the signer: appends to the tree and signatures never overlap.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SortedDictionary<long, MerkleHash> _arrived = [];
    private long _inFlight;
    private long _treeSize;
    private volatile bool _disposed;
    private TaskCompletionSource? _idle;

    private CheckpointedAuditStore(IAuditStore inner, OpenState state, CheckpointedAuditStoreOptions options, bool readOnly)
    {
        _inner = inner;
        _hashes = state.Hashes;
        _ownsHashes = state.OwnsHashes;
        _tree = state.Tree;
        _olderTree = state.OlderTree;
        _treeSize = state.Tree.Size;
        _history = state.History;
        Origin = state.Origin;
        OpenReport = state.Report;
        IsReadOnly = readOnly;
        if (!readOnly)
        {
            _signer = new CheckpointSigner(state.Origin, options.Signer!, state.History);
            _schedule = new CheckpointSchedule(options.CheckpointEveryEvents, options.CheckpointInterval, options.TimeProvider, state.History.Latest?.Checkpoint.Size ?? 0);
            _timer = options.TimeProvider.CreateTimer(_ => _ = OnTimerAsync(), null, options.CheckpointInterval, options.CheckpointInterval);
        }
    }

    /// <inheritdoc/>
    public string InstanceId => _inner.InstanceId;

    /// <summary>The store the log is kept in: the verifier reads its rows directly when it is a built-in store.</summary>
    internal IAuditStore Inner => _inner;

    /// <summary>The checkpoint origin line (also the signing key's name).</summary>
    public string Origin { get; }

    /// <summary>The key the checkpoints verify under, in the form to publish (<c>name+keyid+key</c>).</summary>
    public NoteVerifierKey VerifierKey => _history.VerifierKey;

    /// <summary>Whether the store was opened read-only for inspection (appends and signing throw).</summary>
    public bool IsReadOnly { get; }

    /// <summary>The number of events in the tree: every event whose append has returned, in log order.</summary>
    public long TreeSize => Interlocked.Read(ref _treeSize);

    /// <summary>The latest signed checkpoint, or <see langword="null"/> before the first.</summary>
    public SignedCheckpoint? LatestCheckpoint => _history.Latest;

    /// <summary>Every signed checkpoint, oldest first, each with the consistency proof from the one before.</summary>
    public IReadOnlyList<CheckpointRecord> Checkpoints => _history.Records;

    /// <summary>
    /// Whether the log extended its latest signed checkpoint when it was opened. Always extending for a store opened for
    /// writing (otherwise the open throws); a read-only store opens regardless and reports here what it found.
    /// </summary>
    public ConsistencyReport OpenReport { get; }

    /// <summary>Why the last scheduled checkpoint failed (for example the signer was unreachable), or <see langword="null"/>. Scheduled signing retries at the next due time.</summary>
    public Exception? LastScheduledCheckpointFailure { get; private set; }

    /// <summary>
    /// Opens the transparency layer over <paramref name="inner"/> for writing: rebuilds the tree from the events (checking
    /// and repairing the hash file), then checks the log extends its latest signed checkpoint.
    /// </summary>
    /// <param name="inner">The log. On success the returned store owns it; on failure the caller still does.</param>
    /// <param name="options">The signer, files and schedule.</param>
    /// <param name="cancellationToken">Cancels reading the log.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="LogRollbackException">The log is shorter than its latest signed checkpoint or diverges from it.</exception>
    /// <exception cref="AuditStoreException">The checkpoint history or the hash file cannot be used.</exception>
    public static Task<CheckpointedAuditStore> OpenAsync(IAuditStore inner, CheckpointedAuditStoreOptions options, CancellationToken cancellationToken = default) =>
        OpenCoreAsync(inner, options, readOnly: false, cancellationToken);

    /// <summary>
    /// Opens the transparency layer over <paramref name="inner"/> for inspection: the tree is rebuilt in memory, no file
    /// is written, and a log that no longer extends its checkpoint still opens (see <see cref="OpenReport"/>).
    /// </summary>
    /// <param name="inner">The log. On success the returned store owns it.</param>
    /// <param name="options">The verifier key (or signer) and where the files are.</param>
    /// <param name="cancellationToken">Cancels reading the log.</param>
    /// <returns>The read-only store.</returns>
    /// <exception cref="AuditStoreException">The checkpoint history cannot be read or fails verification.</exception>
    public static Task<CheckpointedAuditStore> OpenReadOnlyAsync(IAuditStore inner, CheckpointedAuditStoreOptions options, CancellationToken cancellationToken = default) =>
        OpenCoreAsync(inner, options, readOnly: true, cancellationToken);

    /// <summary>Appends through the inner store, then adds the durable event's leaf to the tree (and signs a checkpoint when one is due).</summary>
    /// <param name="entry">What to record.</param>
    /// <param name="cancellationToken">Cancels the wait; an event already made durable stays in the log and in the tree.</param>
    /// <returns>The event as stored.</returns>
    /// <exception cref="AuditStoreException">The event could not be recorded. The caller must not act on the decision.</exception>
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        ObjectDisposedException.ThrowIf(_disposed, this);
        // The leaf is recorded whether or not the caller stops waiting, so the tree never misses a durable event.
        var recording = RecordAsync(async () => await _inner.AppendAsync(entry, CancellationToken.None).ConfigureAwait(false));
        return new ValueTask<AuditEvent>(AwaitRecorded(recording, cancellationToken)!);
    }

    /// <summary>
    /// Appends through the inner store's compare-and-append, then adds the durable event's leaf to the tree as
    /// <see cref="AppendAsync"/> does. Nothing is written, and nothing added, when the head has moved.
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it (see <see cref="IAuditStore.TryAppendAsync"/>).</param>
    /// <param name="cancellationToken">Cancels the wait; an event already made durable stays in the log and in the tree.</param>
    /// <returns>The event as stored, or <see langword="null"/> when the head had moved.</returns>
    /// <exception cref="AuditStoreException">The event could not be recorded. The caller must not act on the decision.</exception>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var recording = RecordAsync(() => _inner.TryAppendAsync(entry, expectedLastSeq, CancellationToken.None));
        return new ValueTask<AuditEvent?>(AwaitRecorded(recording, cancellationToken));
    }

    private static Task<AuditEvent?> AwaitRecorded(Task<AuditEvent?> recording, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? recording.WaitAsync(cancellationToken) : recording;

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(fromSeq, cancellationToken);

    /// <summary>Signs a checkpoint of every event appended so far, or returns the latest when the log has not grown since.</summary>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    /// <returns>The checkpoint now latest.</returns>
    /// <exception cref="CheckpointRefusedException">The log is empty or no longer extends the latest checkpoint.</exception>
    public async ValueTask<SignedCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
            return await SignLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Creates the receipt of event <paramref name="seq"/>: its canonical JSON, leaf index, inclusion proof and the latest
    /// signed checkpoint, signing one first when none covers the event yet. It verifies offline with <see cref="Receipt.Verify"/>.
    /// </summary>
    /// <param name="seq">The event's sequence number (1 is genesis).</param>
    /// <param name="cancellationToken">Cancels reading the event or signing.</param>
    /// <returns>The receipt.</returns>
    /// <exception cref="ArgumentOutOfRangeException">No event <paramref name="seq"/> is in the tree.</exception>
    /// <exception cref="CheckpointRefusedException">Read-only, and no signed checkpoint covers the event (<see cref="AuditReasonCodes.EventNotCheckpointed"/>).</exception>
    public async ValueTask<Receipt> CreateReceiptAsync(long seq, CancellationToken cancellationToken = default)
    {
        byte[]? leaf = null;
        await foreach (var e in _inner.ReadAsync(seq, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq == seq)
            {
                leaf = EventLeaf.Bytes(e);
            }

            break;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(cancellationToken).ConfigureAwait(false);
            if (leaf is null || seq < 1 || seq > _tree.Size)
            {
                throw new ArgumentOutOfRangeException(nameof(seq), seq, $"Event seq {seq} is not in the log, which holds {_tree.Size} events.");
            }

            var checkpoint = _history.Latest;
            if (checkpoint is null || checkpoint.Checkpoint.Size < seq)
            {
                checkpoint = IsReadOnly
                    ? throw new CheckpointRefusedException(
                        AuditReasonCodes.EventNotCheckpointed,
                        $"No signed checkpoint covers event seq {seq} (the latest covers {checkpoint?.Checkpoint.Size ?? 0} events) and a read-only store never signs one. " +
                        "The log's writer signs one with CheckpointedAuditStore.CheckpointAsync (or 'makerchecker audit checkpoint' for a file log no application holds open).")
                    : await SignLockedAsync(cancellationToken).ConfigureAwait(false);
            }

            return Receipt.Create(_tree, seq - 1, leaf, checkpoint);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Checks that the log extends <paramref name="older"/> (a checkpoint an inspector kept from an earlier audit). When
    /// it does not, the report says whether the log is shorter or rewritten and, when the hash file beside a read-only
    /// log still holds the older tree, the first divergent event (<see cref="ConsistencyReport.FirstDivergentLeaf"/> + 1).
    /// </summary>
    /// <param name="older">The earlier checkpoint, its signature already verified.</param>
    /// <param name="cancellationToken">Cancels the wait for a running append.</param>
    /// <returns>The report, with the consistency proof to the current size when the log extends it.</returns>
    public async ValueTask<ConsistencyReport> CheckExtendsAsync(Checkpoint older, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(older);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var olderTree = _olderTree is { } t && t.Size >= older.Size && t.RootAt(older.Size) == older.Root ? t : null;
            return LogConsistency.CheckExtends(older, _tree, olderTree);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The RFC 9162 consistency proof between two sizes of the tree (for a bundle or an inspector).</summary>
    internal async ValueTask<MerkleHash[]> ProveConsistencyAsync(long oldSize, long newSize, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _tree.ProveConsistency(oldSize, newSize);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Signs a last checkpoint when events arrived since the latest, then closes the files and the inner store.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    /// <exception cref="AuditStoreException">The last checkpoint could not be written (a full disk); everything is closed regardless.</exception>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        // Appends already running finish first, so their leaves are in the tree the last checkpoint signs.
        _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _disposed = true;
        if (Interlocked.Read(ref _inFlight) > 0)
        {
            await _idle.Task.ConfigureAwait(false);
        }

        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
            if (_signer is not null && _tree.Size > (_history.Latest?.Checkpoint.Size ?? 0))
            {
                try
                {
                    await SignLockedAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A full disk (or a history file gone read-only) while closing: the events are already durable; only
                    // the last signature is missing, and the next writer signs it.
                    throw new AuditStoreException(
                        $"Closing the checkpointed log '{Origin}' could not sign its last checkpoint (size {_tree.Size}): {ex.Message} Every event is " +
                        "durable in the log and the store is closed; free the space, then reopen the log for writing: its next checkpoint covers them.", ex);
                }
            }
        }
        finally
        {
            _signer?.Dispose();
            _history.Dispose();
            if (_ownsHashes && _hashes is IDisposable owned)
            {
                owned.Dispose();
            }

            await _inner.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<AuditEvent?> RecordAsync(Func<ValueTask<AuditEvent?>> append)
    {
        Interlocked.Increment(ref _inFlight);
        AuditEvent? appended;
        MerkleHash leaf;
        try
        {
            appended = await append().ConfigureAwait(false);
            if (appended is null)
            {
                LeaveFlight();
                return null;
            }

            using var scratch = new ByteBuffer();
            leaf = EventLeaf.Hash(appended, scratch);
        }
        catch
        {
            LeaveFlight();
            throw;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _arrived[appended.Seq] = leaf;
            // Appends return out of order under concurrency; leaves go in strictly by seq.
            DrainLocked();
            await CatchUpLockedAsync(CancellationToken.None, ownAppends: 1).ConfigureAwait(false);
            if (_schedule!.IsDue(_tree.Size))
            {
                await ScheduledSignLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
            LeaveFlight();
        }

        return appended;
    }

    private void LeaveFlight()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _disposed)
        {
            _idle?.TrySetResult();
        }
    }

    private void DrainLocked()
    {
        while (_arrived.Remove(_tree.Size + 1, out var next))
        {
            _tree.AppendLeafHash(next);
        }

        Interlocked.Exchange(ref _treeSize, _tree.Size);
    }

    /// <summary>
    /// When leaves are waiting behind a gap and no append is still running to fill it (an event appended to the inner store
    /// directly, bypassing this layer), reads the missing durable events from the log.
    /// </summary>
    private async ValueTask CatchUpLockedAsync(CancellationToken cancellationToken, long ownAppends = 0)
    {
        if (_arrived.Count == 0 || Interlocked.Read(ref _inFlight) > ownAppends)
        {
            return;
        }

        var last = _arrived.Keys.Max();
        using var scratch = new ByteBuffer();
        await foreach (var e in _inner.ReadAsync(_tree.Size + 1, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq > last)
            {
                break;
            }

            _arrived[e.Seq] = EventLeaf.Hash(e, scratch);
            DrainLocked();
        }
    }

    private async ValueTask ScheduledSignLockedAsync()
    {
        try
        {
            await SignLockedAsync(CancellationToken.None).ConfigureAwait(false);
            LastScheduledCheckpointFailure = null;
        }
#pragma warning disable CA1031 // The event is durable and acknowledged; a failed signature is retried and reported, never thrown at the appender.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LastScheduledCheckpointFailure = ex;
        }
    }

    private async ValueTask<SignedCheckpoint> SignLockedAsync(CancellationToken cancellationToken)
    {
        // The leaves are of durable events; their hashes reach the disk before a signature commits to them.
        if (_hashes is FileMerkleHashStore file)
        {
            file.Flush();
        }

        var signed = await _signer!.SignAsync(_tree, cancellationToken).ConfigureAwait(false);
        _schedule!.Signed(signed.Checkpoint.Size);
        return signed;
    }

    private async Task OnTimerAsync()
    {
        if (_disposed || !await _gate.WaitAsync(0).ConfigureAwait(false))
        {
            return; // an append or a signature is running; it asks the schedule itself
        }

        try
        {
            if (!_disposed && _schedule!.IsDue(_tree.Size))
            {
                await ScheduledSignLockedAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The checkpointed log '{Origin}' was opened read-only for inspection.");
        }
    }

    private static async Task<CheckpointedAuditStore> OpenCoreAsync(IAuditStore inner, CheckpointedAuditStoreOptions options, bool readOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(readOnly);
        var prefix = options.FilePrefix ?? (inner as FileAuditStore)?.Path;
        var origin = options.Origin ?? options.VerifierKey?.Name
            ?? (prefix is null ? null : CheckpointHistory.PeekOrigin(prefix + HistoryFileSuffix))
            ?? "makerchecker.audit/" + inner.InstanceId;
        var key = options.Signer is { } signer ? NoteVerifierKey.FromEd25519(origin, signer.PublicKey.Span) : options.VerifierKey!;
        if (options.VerifierKey is { } given && given.ToString() != key.ToString())
        {
            throw new ArgumentException($"The verifier key {given} is not the signer's key under origin '{origin}' ({key}).", nameof(options));
        }

        var state = new OpenState { Origin = origin };
        try
        {
            state.History = OpenHistory(prefix, key, readOnly);
            IMerkleHashStore? reference;
            if (readOnly)
            {
                // Never written: the tree is rebuilt in memory; a hash file left beside the log only helps locate a divergence.
                reference = options.HashStore ?? (prefix is null ? null : FileMerkleHashStore.LoadCopy(prefix + HashFileSuffix));
                state.Hashes = new MemoryMerkleHashStore();
            }
            else
            {
                state.OwnsHashes = options.HashStore is null;
                state.Hashes = options.HashStore ?? (prefix is null ? new MemoryMerkleHashStore() : OpenHashFile(prefix + HashFileSuffix));
                reference = state.Hashes;
            }

            var checkpoint = state.History.Latest?.Checkpoint;
            var scan = await ScanAsync(inner, reference, state.Hashes, checkpoint?.Size ?? 0, cancellationToken).ConfigureAwait(false);
            state.Report = Check(checkpoint, scan, reference);
            if (!state.Report.Extends && !readOnly)
            {
                var first = state.Report.FirstDivergentLeaf + 1;
                throw new LogRollbackException(state.Report.ReasonCode!,
                    $"The audit log {Describe(inner, prefix)} is refused: {state.Report.Failure}. Its hash chain may still verify, but the signed checkpoint " +
                    $"proves the log was rolled back or rewritten. Keep the log, '{prefix}{HistoryFileSuffix}' and '{prefix}{HashFileSuffix}' as evidence; open it read-only to inspect it.",
                    first);
            }

            if (!readOnly && (scan.FirstMismatch is not null || scan.ReferenceLeaves > scan.EventCount))
            {
                await RepairAsync(inner, state.Hashes, Math.Min(scan.FirstMismatch ?? scan.ReferenceLeaves, scan.EventCount), cancellationToken).ConfigureAwait(false);
            }

            state.Tree = new MerkleTree(state.Hashes);
            if (readOnly && reference is not null)
            {
                state.OlderTree = new MerkleTree(reference);
            }

            return new CheckpointedAuditStore(inner, state, options, readOnly);
        }
        catch
        {
            state.History?.Dispose();
            if (state.OwnsHashes && state.Hashes is IDisposable owned)
            {
                owned.Dispose();
            }

            throw;
        }
    }

    private static CheckpointHistory OpenHistory(string? prefix, NoteVerifierKey key, bool readOnly)
    {
        if (prefix is null)
        {
            return CheckpointHistory.InMemory(key);
        }

        var path = prefix + HistoryFileSuffix;
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
    /// (while the two agree, when they are the same store). Holds O(log n) hashes.
    /// </summary>
    private static async Task<ScanResult> ScanAsync(IAuditStore inner, IMerkleHashStore? reference, IMerkleHashStore target, long checkpointSize, CancellationToken cancellationToken)
    {
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
                throw new AuditStoreException($"The audit store returned event seq {e.Seq} where seq {index + 1} was expected: its events are not contiguous. Verify the log.");
            }

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
        switch (hashes)
        {
            case FileMerkleHashStore file:
                file.Truncate(StoredHashIndex.CountFor(keep));
                break;
            case MemoryMerkleHashStore memory:
                memory.Truncate(StoredHashIndex.CountFor(keep));
                break;
            default:
                throw new AuditStoreException(
                    $"The supplied hash store disagrees with the log from leaf {keep} on and cannot be truncated: clear it and open again to rebuild it from the log.");
        }

        var tree = new MerkleTree(hashes);
        using var scratch = new ByteBuffer();
        await foreach (var e in inner.ReadAsync(keep + 1, cancellationToken).ConfigureAwait(false))
        {
            tree.AppendLeafHash(EventLeaf.Hash(e, scratch));
        }
    }

    private sealed record ScanResult(long EventCount, long ReferenceLeaves, long? FirstMismatch, MerkleHash? RootAtCheckpoint);

    private sealed class OpenState
    {
        public required string Origin { get; init; }
        public CheckpointHistory History { get; set; } = null!;
        public IMerkleHashStore Hashes { get; set; } = null!;
        public bool OwnsHashes { get; set; }
        public MerkleTree Tree { get; set; } = null!;
        public MerkleTree? OlderTree { get; set; }
        public ConsistencyReport Report { get; set; } = null!;
    }
}
