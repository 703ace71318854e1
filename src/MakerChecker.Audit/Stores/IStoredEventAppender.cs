using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// A store's append path for a gate in the same process: one entry, appended as
/// <see cref="IAuditStore.TryAppendBatchAsync"/> appends a batch of one, answered with the event the store itself keeps
/// rather than its public <see cref="AuditEvent"/> copy (and no lists around either). Internal: the public
/// <see cref="IAuditStore"/> is unchanged, and a store that does not implement this is written to through it. The in-memory
/// store implements it; the file and SQL stores can adopt it later (it returns a <see cref="ValueTask{TResult}"/>).
/// </summary>
internal interface IStoredEventAppender
{
    /// <summary>
    /// Appends <paramref name="entry"/> directly after seq <paramref name="expectedLastSeq"/>, or, when the head has moved
    /// and <paramref name="scope"/> is given, after the events appended since if none of them conflicts with it (as
    /// <see cref="IAuditStore.TryAppendBatchAsync"/>). Returns the event as stored (the caller never changes it), or
    /// <see langword="null"/> when nothing was written.
    /// </summary>
    /// <exception cref="AuditStoreException">The entry cannot be recorded, or the store failed: as for <see cref="IAuditStore"/>.</exception>
    ValueTask<StoredEvent?> TryAppendStoredAsync(AuditEntry entry, long expectedLastSeq, AuditAppendScope? scope, CancellationToken cancellationToken);
}
