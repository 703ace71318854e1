using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// An audit store that is opened asynchronously on first use. Dependency injection resolves services synchronously,
/// so a store that must migrate a schema or connect to a server (SQLite, PostgreSQL) is registered as one of these:
/// resolving it costs nothing, and the first append or read (for a gate, its <c>InitializeAsync</c>) awaits the open.
/// No thread ever blocks on it.
/// </summary>
/// <remarks>
/// Concurrent first calls share one open. An open that fails throws its exception to every caller waiting on it and is
/// tried again on the next call, so a database that was briefly unreachable at start does not leave a dead store.
/// Disposing this store disposes the store it opened. Queries go to the opened store's indexes when it has them
/// (<see cref="IAuditQuery"/>), else scan the log.
/// </remarks>
public sealed class DeferredAuditStore : IAuditQuery
{
    private readonly Func<CancellationToken, ValueTask<IAuditStore>> _open;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private volatile IAuditStore? _store;
    private bool _disposed;

    /// <summary>Creates a store that <paramref name="open"/> opens on first use.</summary>
    /// <param name="open">Opens the real store; called again only if it threw.</param>
    public DeferredAuditStore(Func<CancellationToken, ValueTask<IAuditStore>> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        _open = open;
    }

    /// <summary>The opened store's instance identifier.</summary>
    /// <exception cref="InvalidOperationException">The store has not been opened yet: await <see cref="OpenAsync"/> first.</exception>
    public string InstanceId => (_store ?? throw new InvalidOperationException(
        "The audit store is opened on first use and has not been opened yet: await DeferredAuditStore.OpenAsync() before reading InstanceId.")).InstanceId;

    /// <summary>Whether the real store has been opened.</summary>
    public bool IsOpen => _store is not null;

    /// <summary>Opens the real store if it is not open yet, and returns it (for example to reach its own members).</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The opened store; this object still owns it and disposes it.</returns>
    /// <exception cref="ObjectDisposedException">This store has been disposed.</exception>
    public async ValueTask<IAuditStore> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_store is { } open) return open;
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_store is { } raced) return raced;
            var store = await _open(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The audit store opener returned null instead of a store.");
            _store = store;
            return store;
        }
        finally
        {
            _opening.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        await (await OpenAsync(cancellationToken).ConfigureAwait(false)).AppendAsync(entry, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        await (await OpenAsync(cancellationToken).ConfigureAwait(false)).TryAppendAsync(entry, expectedLastSeq, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null,
        CancellationToken cancellationToken = default) =>
        await (await OpenAsync(cancellationToken).ConfigureAwait(false))
            .TryAppendBatchAsync(entries, expectedLastSeq, scope, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
        Defer(store => store.ReadAsync(fromSeq, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Defer(store => store is IAuditQuery q
            ? q.ReadByRunAsync(runId, cancellationToken)
            : AuditQueryScan.ByRun(store, runId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken = default) =>
        Defer(store => store is IAuditQuery q
            ? q.ReadByEntityAsync(entityType, entityId, cancellationToken)
            : AuditQueryScan.ByEntity(store, entityType, entityId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken = default) =>
        Defer(store => store is IAuditQuery q
            ? q.ReadByActorAsync(actorId, cancellationToken)
            : AuditQueryScan.ByActor(store, actorId, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Defer(store => store is IAuditQuery q
            ? q.ReadByTimeRangeAsync(since, until, cancellationToken)
            : AuditQueryScan.ByTimeRange(store, since, until, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<AuditEvent> ReadOpenAsync(string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes,
        CancellationToken cancellationToken = default) =>
        Defer(store => store is IAuditQuery q
            ? q.ReadOpenAsync(entityType, openingEventType, closingEventTypes, cancellationToken)
            : AuditQueryScan.OpenAsync(store, entityType, openingEventType, closingEventTypes, cancellationToken), cancellationToken);

    /// <summary>Disposes the opened store, if one was opened. Waits for an open in progress, then disposes what it opened.</summary>
    public async ValueTask DisposeAsync()
    {
        await _opening.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_store is { } store) await store.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }

    private async IAsyncEnumerable<AuditEvent> Defer(Func<IAuditStore, IAsyncEnumerable<AuditEvent>> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var store = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in read(store).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}
