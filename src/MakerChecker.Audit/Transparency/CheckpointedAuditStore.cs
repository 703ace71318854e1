using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Wraps any <see cref="IAuditStore"/> with an RFC 6962 Merkle tree over its events and signed checkpoints of it: every
/// N events or T seconds, at every full export, and on demand. It refuses to open a log that no longer extends its last
/// signed checkpoint (truncated, rolled back or rewritten, even with a consistent chain), issues receipts for single
/// events, and checks that the log extends a checkpoint an inspector kept.
/// </summary>
/// <remarks>
/// <para>An event's leaf is added only after the inner store's append has returned (the event is durable), and the
/// hash file is flushed before each signature, so no checkpoint is ever ahead of the durable log. Opening for writing
/// reads only the events from the latest signed checkpoint on, when the hash file still holds the tree that checkpoint
/// signed (its root at the checkpoint's size is the signed root, and the checkpoint's last event is its last leaf);
/// otherwise, and on every read-only open, the tree is recomputed from every event, the hash file (only a cache) is
/// checked record by record and repaired from the log where it disagrees (docs/stores.md, "What opening checks").</para>
/// <para>Disposing the store disposes the inner store. It signs a last checkpoint first when events arrived since the latest.</para>
/// <para>One job a file: this one is the live wrapper (appends, closing); the tree in <c>CheckpointedAuditStore.Tree.cs</c>,
/// signing in <c>CheckpointedAuditStore.Signing.cs</c>; recovery on open is in <c>CheckpointedLogRecovery</c>, read-only
/// inspection in <c>CheckpointedAuditStore.Inspection.cs</c> and <c>CheckpointInspection</c>, receipts in
/// <c>CheckpointedAuditStore.Receipts.cs</c>.</para>
/// </remarks>
public sealed partial class CheckpointedAuditStore : IAuditQuery
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

    private CheckpointedAuditStore(IAuditStore inner, CheckpointedLogState state, CheckpointedAuditStoreOptions options, bool readOnly)
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
        OpenEventsRead = state.EventsRead;
        IsReadOnly = readOnly;
        if (!readOnly)
        {
            _signer = new CheckpointSigner(state.Origin, options.Signer!, state.History);
            _schedule = new CheckpointSchedule(options.CheckpointEveryEvents, options.CheckpointInterval, options.TimeProvider,
                state.History.Latest?.Checkpoint.Size ?? 0);
            _timer = options.TimeProvider.CreateTimer(_ => _ = OnTimerAsync(), null, options.CheckpointInterval, options.CheckpointInterval);
        }
    }

    /// <inheritdoc/>
    public string InstanceId => _inner.InstanceId;

    /// <summary>The store the log is kept in: the verifier reads its rows directly when it is a built-in store.</summary>
    internal IAuditStore Inner => _inner;

    /// <summary>How many events opening read from the inner store: those from the latest checkpoint on, or all of them on a rebuild.</summary>
    internal long OpenEventsRead { get; }

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

    /// <summary>
    /// Why the last scheduled checkpoint failed (for example the signer was unreachable), or <see langword="null"/>.
    /// Scheduled signing retries at the next due time.
    /// </summary>
    public Exception? LastScheduledCheckpointFailure { get; private set; }

    /// <summary>
    /// Opens the transparency layer over <paramref name="inner"/> for writing. When the hash file holds the tree the latest
    /// signed checkpoint signed, only the events after that checkpoint are read (and verified); otherwise the tree is
    /// rebuilt from every event (checking and repairing the hash file). Either way the log must extend its latest signed
    /// checkpoint.
    /// </summary>
    /// <param name="inner">The log. On success the returned store owns it; on failure the caller still does.</param>
    /// <param name="options">The signer, files and schedule.</param>
    /// <param name="cancellationToken">Cancels reading the log.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="LogRollbackException">The log is shorter than its latest signed checkpoint or diverges from it.</exception>
    /// <exception cref="AuditStoreException">The checkpoint history or the hash file cannot be used.</exception>
    public static Task<CheckpointedAuditStore> OpenAsync(IAuditStore inner, CheckpointedAuditStoreOptions options,
        CancellationToken cancellationToken = default) =>
        OpenCoreAsync(inner, options, readOnly: false, cancellationToken);

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

    /// <summary>
    /// Appends several events through the inner store's batch compare-and-append, then adds the leaf of each one written,
    /// as <see cref="AppendAsync"/> does. Nothing is added for entries that were not written.
    /// </summary>
    /// <param name="entries">What to record, in order.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it (see <see cref="IAuditStore.TryAppendBatchAsync"/>).</param>
    /// <param name="scope">What the batch depends on, passed to the inner store; <see langword="null"/> for an exact head.</param>
    /// <param name="cancellationToken">Cancels the wait; events already made durable stay in the log and in the tree.</param>
    /// <returns>The events written, in order: a prefix of <paramref name="entries"/>, empty when the head had moved.</returns>
    /// <exception cref="AuditStoreException">The events could not be recorded. The caller must not act on them.</exception>
    public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null,
        CancellationToken cancellationToken = default)
    {
        ThrowIfReadOnly();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var recording = RecordBatchAsync(() => _inner.TryAppendBatchAsync(entries, expectedLastSeq, scope, CancellationToken.None));
        return new ValueTask<IReadOnlyList<AuditEvent>>(cancellationToken.CanBeCanceled ? recording.WaitAsync(cancellationToken) : recording);
    }

    private static Task<AuditEvent?> AwaitRecorded(Task<AuditEvent?> recording, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? recording.WaitAsync(cancellationToken) : recording;

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(fromSeq, cancellationToken);

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

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The checkpointed log '{Origin}' was opened read-only for inspection.");
        }
    }

    private static async Task<CheckpointedAuditStore> OpenCoreAsync(IAuditStore inner, CheckpointedAuditStoreOptions options, bool readOnly,
        CancellationToken cancellationToken)
    {
        var state = await CheckpointedLogRecovery.OpenAsync(inner, options, readOnly, cancellationToken).ConfigureAwait(false);
        try
        {
            return new CheckpointedAuditStore(inner, state, options, readOnly);
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }
}
