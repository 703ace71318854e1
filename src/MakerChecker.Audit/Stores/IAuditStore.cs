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

    /// <summary>Reads events in storage order, starting at <paramref name="fromSeq"/>.</summary>
    /// <param name="fromSeq">The first sequence number to return (1 is the genesis event).</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default);
}
