namespace MakerChecker.Audit.Stores;

/// <summary>
/// A store that can hold its chain's append lock for one store object for a moment, so that a writer whose
/// compare-and-append keeps losing the head (other instances keep appending first) can catch up, decide and append with
/// nobody appending in between: its next try cannot lose to another process. The PostgreSQL store offers it.
/// </summary>
/// <remarks>
/// Only progress depends on it, never correctness: an append under a hold is still a compare-and-append on the head, and a
/// hold lost meanwhile (a dropped connection lets go of it) just means the try may lose again. While it is held, appends
/// from other store objects, connections and processes wait (up to their lock timeout); this object's own appends go on.
/// Hold it only across one decision: catch up, decide, append, let go.
/// </remarks>
public interface IAuditHeadHold
{
    /// <summary>Waits for the chain's append lock and holds it for this store object until the result is disposed.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// The hold: dispose it to let go. <see langword="null"/> when this store cannot hold the lock (for example a store that wraps one
    /// that cannot), which callers treat as plain compare-and-append; a store that cannot hold should answer so at once, without
    /// waiting for its own appends.
    /// </returns>
    /// <exception cref="AuditStoreException">The store could not be reached to take the lock.</exception>
    ValueTask<IAsyncDisposable?> HoldHeadAsync(CancellationToken cancellationToken = default);
}
