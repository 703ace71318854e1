using System.Data.Common;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Runs a SQL store's group transactions: begin (taking the log's write lock), read the head, chain the group onto it,
/// insert its rows, commit. <see cref="DbWriterConnection"/> runs each on the store's own connection; a writer shared by
/// several logs in one database (the PostgreSQL partitioned log) may write several logs' groups in one transaction.
/// </summary>
internal interface IDbGroupWriter : IAsyncDisposable
{
    /// <summary>
    /// Runs <paramref name="chain"/> in a write transaction that holds the log's write lock, with the head read after the
    /// lock was granted, inserts the rows it returns in the same transaction, and returns once the transaction committed.
    /// </summary>
    /// <param name="chain">
    /// Chains the group onto the head (null for an empty table) and returns its rows; may query the log inside the
    /// transaction (through <see cref="DbDialect.EventsTable"/>); may run twice (a broken connection before COMMIT).
    /// </param>
    /// <param name="cancellationToken">Cancels the open and the transaction.</param>
    /// <exception cref="AuditStoreException">COMMIT failed, so whether the group was recorded is not known; or <paramref name="chain"/> threw one.</exception>
    Task WriteAsync(Func<DbConnection, DbTransaction, (long Seq, string Hash)?, Task<IReadOnlyList<AuditRow>>> chain, CancellationToken cancellationToken);
}
