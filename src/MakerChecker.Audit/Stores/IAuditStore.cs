using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// An append-only, hash-chained audit log. Every store (in memory, file, SQLite, PostgreSQL) implements this
/// one interface, and every store passes the same conformance suite.
/// </summary>
/// <remarks>
/// The log is the system of record. A caller that runs an action only after <see cref="AppendAsync"/> has returned
/// can never run an action whose decision is missing from the log: an append that cannot be made durable throws.
/// Implementations are thread-safe.
/// </remarks>
public interface IAuditStore : IAsyncDisposable
{
    /// <summary>The instance identifier the chain's genesis is rooted in.</summary>
    string InstanceId { get; }

    /// <summary>
    /// Appends one event, chained to the current head, and returns it once it is durable under the store's policy.
    /// </summary>
    /// <param name="entry">What to record.</param>
    /// <param name="cancellationToken">Cancels the wait; an event already made durable stays in the log.</param>
    /// <returns>The event as stored, with its sequence number and hash.</returns>
    /// <exception cref="AuditStoreException">The event could not be recorded. The caller must not act on the decision.</exception>
    ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends one event only if the log's last event is still the one with seq <paramref name="expectedLastSeq"/>
    /// (compare-and-append on the chain head), atomically with respect to every other append, from any store object,
    /// connection or process sharing the log. This is how several writers that decide from what they read (for example
    /// gates on several app instances over one database) keep their decisions on the latest state.
    /// </summary>
    /// <remarks>
    /// The rule is exact equality: <paramref name="expectedLastSeq"/> is the <see cref="AuditEvent.Seq"/> of the last
    /// event the caller has seen (1 for a log holding only its genesis; 0 only for a log with no event at all). Seqs may
    /// have gaps; the comparison is still with the last seq itself, never with a count. When the log's last seq differs,
    /// nothing is written and the result is <see langword="null"/>: read from <paramref name="expectedLastSeq"/> + 1 to
    /// catch up, then decide again.
    /// </remarks>
    /// <param name="entry">What to record.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it.</param>
    /// <param name="cancellationToken">Cancels the wait; an event already made durable stays in the log.</param>
    /// <returns>
    /// The event as stored (chained directly after seq <paramref name="expectedLastSeq"/>), or <see langword="null"/> when the head had moved and
    /// nothing was written.
    /// </returns>
    /// <exception cref="AuditStoreException">The event could not be recorded. The caller must not act on the decision.</exception>
    ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-append of several events (<see cref="TryAppendAsync"/>): they are chained one after the other directly
    /// after seq <paramref name="expectedLastSeq"/>, and the result is the prefix of <paramref name="entries"/> that was
    /// written, each event directly after the one before it. This is how one writer pipelines decisions made one after the
    /// other on the same state: decision k was made on the log plus decisions 1 to k - 1, so it may be written only
    /// directly after them.
    /// </summary>
    /// <remarks>
    /// The built-in stores write the whole batch in one transaction (one group commit): all or none. The default
    /// implementation, for a store of your own, appends the entries one at a time, each on the seq the previous one got,
    /// and stops at the first that finds the head moved; a prefix is then written. Callers must accept any prefix.
    /// </remarks>
    /// <param name="entries">What to record, in order.</param>
    /// <param name="expectedLastSeq">The seq of the log's last event as the caller last saw it.</param>
    /// <param name="cancellationToken">Cancels the wait; events already made durable stay in the log.</param>
    /// <returns>The events written, in order: a prefix of <paramref name="entries"/>, empty when the head had moved.</returns>
    /// <exception cref="AuditStoreException">
    /// The events could not be recorded: whether any became durable is not known. The caller must not act on them.
    /// </exception>
    async ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
        IReadOnlyList<AuditEntry> entries, long expectedLastSeq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var written = new List<AuditEvent>(entries.Count);
        foreach (var entry in entries)
        {
            var stored = await TryAppendAsync(entry, expectedLastSeq, cancellationToken).ConfigureAwait(false);
            if (stored is null) break;
            written.Add(stored);
            expectedLastSeq = stored.Seq;
        }

        return written;
    }

    /// <summary>Reads events in storage order, starting at <paramref name="fromSeq"/>.</summary>
    /// <param name="fromSeq">The first sequence number to return (1 is the genesis event).</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default);
}
