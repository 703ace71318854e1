using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Chains the appends of one group onto the head a store's transaction read.
/// </summary>
/// <param name="lastSeq">The seq of the log's last event, read inside the transaction.</param>
/// <param name="headHash">That event's hash as stored: 64 lowercase hex digits.</param>
/// <returns>The rows to insert, in seq order, within the same transaction.</returns>
/// <exception cref="AuditStoreException"><paramref name="headHash"/> is not a hash: the store has been altered.</exception>
public delegate IReadOnlyList<AuditRow> AuditGroupChain(long lastSeq, string headHash);

/// <summary>
/// For store authors: the append path every database store shares. Entries are canonicalized, queued, and committed
/// in groups: one loop hands each group to the store's transaction, which locks the log, reads the head, calls the
/// <see cref="AuditGroupChain"/> it is given (which gives each event its seq, id, time and hash, chained onto that
/// head), inserts the rows and commits. Conditional appends (<see cref="TryAppendAsync"/>) are checked against the head
/// at their position in the group, under the same lock as the insert.
/// </summary>
/// <remarks>
/// A transaction that fails fails only its own group, with <see cref="AuditStoreException"/>: the database rolled it
/// back, so the chain is as it was, and the next group starts from the head it reads then. A COMMIT whose answer never
/// came (the connection died while it ran) is the exception: the group may be in the log, so the store's exception must
/// say that the outcome is not known, and the caller reads the log back to find out. This is how the SQLite and
/// PostgreSQL stores append; a store of your own that keeps the same row (<see cref="AuditRow"/>) passes the same
/// conformance suite (MakerChecker.Audit.Testing).
/// </remarks>
public sealed class AuditGroupCommit : IAsyncDisposable
{
    private readonly GroupCommitQueue _queue;
    private readonly ByteBuffer _rowScratch = new(4096);
    private int _disposed;

    /// <summary>Starts the commit loop for one open store.</summary>
    /// <param name="instanceId">The log's instance id (its genesis), as the store read or wrote it.</param>
    /// <param name="timeProvider">The clock for <c>occurredAt</c>.</param>
    /// <param name="idGenerator">Makes event ids.</param>
    /// <param name="maxGroupSize">The most appends one transaction carries; at least 1.</param>
    /// <param name="storeName">Names the store in error messages, for example <c>SQLite 'audit.db'</c>.</param>
    /// <param name="commitAsync">
    /// Runs one transaction: lock the log, read the head (last seq and hash), call the chain function with it, insert
    /// the rows it returns, commit. Throwing fails the group's appends. Throw only when nothing of the group is in the
    /// log, or, when that is not known (COMMIT sent, no answer), with an <see cref="AuditStoreException"/> that says so.
    /// </param>
    public AuditGroupCommit(string instanceId, TimeProvider timeProvider, Func<Guid> idGenerator, int maxGroupSize, string storeName,
        Func<AuditGroupChain, CancellationToken, Task> commitAsync)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(idGenerator);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroupSize, 1);
        ArgumentException.ThrowIfNullOrEmpty(storeName);
        ArgumentNullException.ThrowIfNull(commitAsync);
        var appender = new ChainAppender(instanceId, timeProvider, idGenerator, 0, default);
        _queue = new GroupCommitQueue(appender, maxGroupSize, (chain, ct) => commitAsync((lastSeq, headHash) => Rows(chain(lastSeq, ParseHead(headHash))), ct),
            storeName);
    }

    /// <summary>The genesis row of a new log rooted in <paramref name="instanceId"/>, to insert as seq 1 when the store is created.</summary>
    /// <param name="instanceId">The new log's instance id.</param>
    /// <param name="timeProvider">The clock for <c>occurredAt</c>.</param>
    /// <param name="idGenerator">Makes the event id.</param>
    /// <returns>The row.</returns>
    public static AuditRow Genesis(string instanceId, TimeProvider timeProvider, Func<Guid> idGenerator)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(idGenerator);
        using var appender = new ChainAppender(instanceId, timeProvider, idGenerator, 0, default);
        var stored = appender.Next(ChainAppender.Genesis(instanceId), 1, AuditEventHasher.GenesisRoot(instanceId));
        using var scratch = new ByteBuffer();
        return AuditRow.From(stored, scratch);
    }

    /// <summary>Appends one event in the next group and returns it once its transaction committed.</summary>
    /// <param name="entry">What to record.</param>
    /// <param name="cancellationToken">Cancels the wait; an event already committed stays in the log.</param>
    /// <returns>The event as stored.</returns>
    /// <exception cref="AuditStoreException">The entry is not recordable, or its group's transaction failed.</exception>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public async ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        var stored = await _queue.AppendAsync(ChainAppender.Prepare(entry), cancellationToken).ConfigureAwait(false);
        return stored.ToAuditEvent(entry);
    }

    /// <summary>
    /// Appends one event only if the log's last seq at its position is <paramref name="expectedLastSeq"/>
    /// (see <see cref="IAuditStore.TryAppendAsync"/>).
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it.</param>
    /// <param name="cancellationToken">Cancels the wait; an event already committed stays in the log.</param>
    /// <returns>The event as stored, or <see langword="null"/> when the head had moved and nothing was written.</returns>
    /// <exception cref="AuditStoreException">The entry is not recordable, or its group's transaction failed.</exception>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public async ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        var stored = await _queue.TryAppendAsync(ChainAppender.Prepare(entry), expectedLastSeq, cancellationToken).ConfigureAwait(false);
        return stored?.ToAuditEvent(entry);
    }

    /// <summary>
    /// Appends several events as one unit, all in one group and so in one transaction, one directly after the other, only
    /// if the log's last seq at their position is <paramref name="expectedLastSeq"/> (see <see cref="IAuditStore.TryAppendBatchAsync"/>).
    /// </summary>
    /// <param name="entries">What to record, in order.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it.</param>
    /// <param name="cancellationToken">Cancels the wait; events already committed stay in the log.</param>
    /// <returns>The events as stored, or empty when the head had moved and nothing was written.</returns>
    /// <exception cref="AuditStoreException">An entry is not recordable, or the group's transaction failed.</exception>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public async ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var prepared = entries.Select(ChainAppender.Prepare).ToArray();
        var stored = await _queue.TryAppendBatchAsync(prepared, expectedLastSeq, cancellationToken).ConfigureAwait(false);
        return stored.Select((s, i) => s.ToAuditEvent(entries[i])).ToArray();
    }

    /// <summary>Stops accepting appends and commits those already queued.</summary>
    public async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _rowScratch.Dispose();
    }

    // Called only from the queue's single commit loop, so the scratch buffer is never shared.
    private List<AuditRow> Rows(List<StoredEvent[]> events) => events.SelectMany(batch => batch).Select(e => AuditRow.From(e, _rowScratch)).ToList();

    private static Hash32 ParseHead(string hex)
    {
        if (!Hash32.TryParseHex(System.Text.Encoding.ASCII.GetBytes(hex), out var hash))
        {
            throw new AuditStoreException($"The stored head hash '{hex}' is not 64 lowercase hex digits; the store has been altered.");
        }

        return hash;
    }
}
