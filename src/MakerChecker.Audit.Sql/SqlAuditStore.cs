using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// What the SQL audit stores (<c>SqliteAuditStore</c>, <c>PostgreSqlAuditStore</c>) share: an append-only table,
/// appends serialized across connections and processes and committed in groups, and indexed queries. It cannot be
/// derived from outside MakerChecker; open a store through its package's <c>OpenAsync</c>.
/// </summary>
public abstract class SqlAuditStore : IAuditQuery, IStoredRowSource, IAuditHeadHold
{
    private readonly DbAuditLog _log;
    private readonly IAsyncDisposable? _owned;

    internal SqlAuditStore(DbAuditLog log, IAsyncDisposable? owned = null)
    {
        _log = log;
        _owned = owned;
    }

    /// <inheritdoc/>
    public string InstanceId => _log.InstanceId;

    /// <summary>
    /// Whether the store was opened read-only (its package's <c>OpenReadOnlyAsync</c>): appends throw <see cref="InvalidOperationException"/>.
    /// </summary>
    public bool IsReadOnly => _log.IsReadOnly;

    /// <inheritdoc/>
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _log.AppendAsync(entry, cancellationToken);

    /// <inheritdoc/>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        _log.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>All or none: the batch is written in one transaction, at its position in one group commit.</remarks>
    public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null,
        CancellationToken cancellationToken = default) =>
        _log.TryAppendBatchAsync(entries, expectedLastSeq, scope, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>PostgreSQL holds the log's advisory lock on the store's writer connection; SQLite cannot (<see langword="null"/>).</remarks>
    public ValueTask<IAsyncDisposable?> HoldHeadAsync(CancellationToken cancellationToken = default) => _log.HoldHeadAsync(cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
        _log.ReadAsync(fromSeq, cancellationToken);

    /// <inheritdoc/>
    bool IStoredRowSource.RefusesHashMismatchOnRead => false;

    /// <inheritdoc/>
    IAsyncEnumerable<StoredRow> IStoredRowSource.ReadRowsAsync(CancellationToken cancellationToken) => _log.ReadRowsAsync(cancellationToken);

    /// <inheritdoc/>
    Exception IStoredRowSource.UnreadableRow(StoredRow row, CanonicalJsonException error) => _log.UnreadableRow(row, error);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken = default) =>
        _log.ReadByRunAsync(runId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken = default) =>
        _log.ReadByEntityAsync(entityType, entityId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken = default) =>
        _log.ReadByActorAsync(actorId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        _log.ReadByTimeRangeAsync(since, until, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadOpenAsync(string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes,
        CancellationToken cancellationToken = default) => _log.ReadOpenAsync(entityType, openingEventType, closingEventTypes, cancellationToken);

    /// <summary>Finishes the appends already queued and closes the store's connections.</summary>
    /// <returns>A task that completes when the store is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        await _log.DisposeAsync().ConfigureAwait(false);
        if (_owned is not null)
        {
            await _owned.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
