using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// An audit store held in memory, for tests and demos. It is a real hash chain (and verifies like any other
/// store), but it is lost when the process ends.
/// </summary>
public sealed class InMemoryAuditStore : IAuditQuery, IStoredRowSource
{
    private readonly List<StoredEvent> _events = [];
    private readonly ChainAppender _appender;
    private readonly Lock _lock = new();

    /// <summary>Creates a new log and writes its <c>audit.genesis</c> event.</summary>
    /// <param name="instanceId">The instance the chain is rooted in; a new UUID when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for <c>occurredAt</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="idGenerator">The source of event ids; random (version 4) UUIDs when <see langword="null"/>.</param>
    public InMemoryAuditStore(string? instanceId = null, TimeProvider? timeProvider = null, Func<Guid>? idGenerator = null)
    {
        InstanceId = instanceId ?? Guid.NewGuid().ToString("D");
        _appender = ChainAppender.ForNewLog(InstanceId, timeProvider ?? TimeProvider.System, idGenerator ?? RandomIds.NewV4);
        _events.Add(_appender.Append(ChainAppender.Genesis(InstanceId)));
    }

    /// <inheritdoc/>
    public string InstanceId { get; }

    /// <inheritdoc/>
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Append(entry, expectedLastSeq: null)!);

    /// <inheritdoc/>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Append(entry, expectedLastSeq));

    /// <inheritdoc/>
    /// <remarks>All or none, under the lock that chains the events.</remarks>
    public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var prepared = entries.Select(ChainAppender.Prepare).ToArray();
        var stored = new StoredEvent[prepared.Length];
        lock (_lock)
        {
            if (_appender.LastSeq != expectedLastSeq) return ValueTask.FromResult<IReadOnlyList<AuditEvent>>([]);
            for (var i = 0; i < prepared.Length; i++)
            {
                stored[i] = _appender.Append(prepared[i]);
                _events.Add(stored[i]);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<AuditEvent>>(stored.Select((s, i) => s.ToAuditEvent(entries[i])).ToArray());
    }

    /// <summary>Chains the entry onto the head, unless an expected last seq is given and the head is elsewhere.</summary>
    private AuditEvent? Append(AuditEntry entry, long? expectedLastSeq)
    {
        var prepared = ChainAppender.Prepare(entry);
        StoredEvent stored;
        lock (_lock)
        {
            if (expectedLastSeq is { } expected && _appender.LastSeq != expected)
            {
                return null;
            }

            stored = _appender.Append(prepared);
            _events.Add(stored);
        }

        return stored.ToAuditEvent(entry);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var stored in ReadStored(fromSeq))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return stored.ToAuditEvent();
        }
    }

    internal IEnumerable<StoredEvent> ReadStored(long fromSeq)
    {
        int count;
        lock (_lock)
        {
            count = _events.Count; // a snapshot: later appends are not part of this read
        }

        for (var i = (int)Math.Max(0, fromSeq - 1); i < count; i++)
        {
            StoredEvent stored;
            lock (_lock)
            {
                stored = _events[i];
            }

            yield return stored;
        }
    }

    /// <inheritdoc/>
    bool IStoredRowSource.RefusesHashMismatchOnRead => false;

    /// <inheritdoc/>
    /// <remarks>Each kept event written as its row, numbered by seq.</remarks>
    async IAsyncEnumerable<StoredRow> IStoredRowSource.ReadRowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var row = new ByteBuffer();
        foreach (var stored in ReadStored(1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            row.Clear();
            stored.WriteRow(row);
            yield return new StoredRow(row.WrittenMemory, stored.Seq);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Cannot happen for rows this store wrote itself; kept exact for the interface.</remarks>
    Exception IStoredRowSource.UnreadableRow(StoredRow row, CanonicalJsonException error) =>
        new AuditStoreException($"The in-memory audit store holds an unreadable event at seq {row.Position}: {error.Message}", error);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _appender.Dispose();
        return ValueTask.CompletedTask;
    }
}
