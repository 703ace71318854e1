using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// An audit store held in memory, for tests and demos. It is a real hash chain (and verifies like any other
/// store), but it is lost when the process ends.
/// </summary>
/// <remarks>
/// The events are kept as bytes in native memory, not as objects (<see cref="StoredEventLog"/>), so that a long log costs the
/// garbage collector nothing; the memory is freed when the store is no longer reachable.
/// </remarks>
public sealed class InMemoryAuditStore : IAuditQuery, IStoredRowSource, IStoredEventAppender
{
    private readonly StoredEventLog _events = new();
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
        ValueTask.FromResult(Append(entry, expectedLastSeq: null, scope: null)!);

    /// <inheritdoc/>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Append(entry, expectedLastSeq, scope: null));

    /// <inheritdoc/>
    /// <remarks>
    /// All or none, under the lock that chains the events (and checks the scope). Completes synchronously; a batch of one
    /// (a gate's lone decision) is appended without any array but the one returned.
    /// </remarks>
    public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 1)
        {
            return ValueTask.FromResult<IReadOnlyList<AuditEvent>>(Append(entries[0], expectedLastSeq, scope) is { } one ? [one] : []);
        }

        var prepared = new PreparedEntry[entries.Count];
        for (var i = 0; i < prepared.Length; i++) prepared[i] = ChainAppender.Prepare(entries[i]);
        var appended = new AuditEvent[prepared.Length];
        lock (_lock)
        {
            if (!MayAppend(expectedLastSeq, scope)) return ValueTask.FromResult<IReadOnlyList<AuditEvent>>([]);
            for (var i = 0; i < prepared.Length; i++)
            {
                appended[i] = ChainAndKeep(prepared[i]).ToAuditEvent(entries[i]);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<AuditEvent>>(appended);
    }

    /// <summary>
    /// Whether an append expecting <paramref name="expectedLastSeq"/> (null: any head) may be chained onto the head: the head
    /// is there, or no event after it conflicts with <paramref name="scope"/>. Call under the lock.
    /// </summary>
    private bool MayAppend(long? expectedLastSeq, AuditAppendScope? scope)
    {
        if (expectedLastSeq is not { } expected || _appender.LastSeq == expected) return true;
        if (scope is null || expected > _appender.LastSeq || expected < 1) return false;
        return !scope.ConflictsWith(Between(expected)); // _events[i] has seq i + 1
    }

    /// <summary>The actor id and type of each event after seq <paramref name="expectedLastSeq"/>. Call under the lock.</summary>
    private IEnumerable<(string ActorId, string EventType)> Between(long expectedLastSeq)
    {
        for (var i = (int)expectedLastSeq; i < _events.Count; i++)
        {
            yield return (StoredEvent.DecodeActorId(_events.ActorAt(i)), StoredEvent.DecodeString(_events.EventTypeAt(i))!);
        }
    }

    /// <summary>
    /// Chains the entry onto the head, unless an expected last seq is given, the head is elsewhere and an event after the
    /// expected seq conflicts with <paramref name="scope"/> (or there is no scope).
    /// </summary>
    private AuditEvent? Append(AuditEntry entry, long? expectedLastSeq, AuditAppendScope? scope) =>
        AppendStored(entry, expectedLastSeq, scope)?.ToAuditEvent(entry);

    /// <summary><see cref="Append"/>, answered with the event kept (nothing else is allocated for the caller).</summary>
    private StoredEvent? AppendStored(AuditEntry entry, long? expectedLastSeq, AuditAppendScope? scope)
    {
        var prepared = ChainAppender.Prepare(entry);
        lock (_lock)
        {
            if (!MayAppend(expectedLastSeq, scope)) return null;
            return ChainAndKeep(prepared);
        }
    }

    /// <summary>
    /// Chains <paramref name="prepared"/> directly after the head, keeps it, and only then moves the head: an event that
    /// could not be kept (the memory for a new block ran out) leaves the log and its head as they were, so the next event
    /// does not chain onto one the log does not hold. Call only under the lock.
    /// </summary>
    private StoredEvent ChainAndKeep(PreparedEntry prepared)
    {
        var stored = _appender.Next(prepared, _appender.LastSeq + 1, _appender.Head);
        _events.Add(stored);
        _appender.Commit(stored);
        return stored;
    }

    /// <inheritdoc/>
    /// <remarks>Completes synchronously, as <see cref="TryAppendBatchAsync"/> does with one entry.</remarks>
    ValueTask<StoredEvent?> IStoredEventAppender.TryAppendStoredAsync(
        AuditEntry entry, long expectedLastSeq, AuditAppendScope? scope, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AppendStored(entry, expectedLastSeq, scope));

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
