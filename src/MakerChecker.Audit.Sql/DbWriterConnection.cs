using System.Data;
using System.Data.Common;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// The one connection a SQL store's appends run on, replaced when it breaks: the server restarted, the network dropped
/// it, or the primary failed over (with a multi-host connection string the dialect then opens whichever host is primary
/// now). It runs each group's transaction and says what a failure means. Before COMMIT is sent, nothing is written: the
/// server rolls back a transaction whose connection dies, so a transaction that found its connection broken is run once
/// more on a new one. Once COMMIT is sent, a failure leaves the outcome unknown (the server may have committed and the
/// answer been lost, or a synchronous standby may have the commit record although the primary died), and it says so.
/// Used only by the store's single commit loop.
/// </summary>
internal sealed class DbWriterConnection : IAsyncDisposable
{
    private readonly DbDialect _dialect;
    private DbConnection? _connection;

    /// <param name="dialect">Opens new connections.</param>
    /// <param name="connection">The connection the store was opened on, used until it breaks.</param>
    public DbWriterConnection(DbDialect dialect, DbConnection connection)
    {
        _dialect = dialect;
        _connection = connection;
    }

    /// <summary>
    /// Runs one write transaction: begin (which takes the log's write lock) and read the head, <paramref name="chain"/>,
    /// insert what it returns and commit. The store acknowledges the group only after this returns.
    /// </summary>
    /// <param name="chain">
    /// Chains the group on the head (last seq and hash, read inside the transaction once the lock is held; null for an
    /// empty table), given the rows stored after <paramref name="tailAfter"/> when the dialect read them (else null), and
    /// returns the rows to insert; may run twice (see the class remarks).
    /// </param>
    /// <param name="tailAfter">The seq after which the dialect may read the stored rows in the same round trip; null for none.</param>
    /// <param name="cancellationToken">Cancels the open and the transaction.</param>
    /// <returns>The rows inserted.</returns>
    /// <exception cref="AuditStoreException">COMMIT failed, so whether the group was recorded is not known; or <paramref name="chain"/> threw one.</exception>
    public async Task<IReadOnlyList<AuditRow>> WriteAsync(
        Func<DbConnection, DbTransaction, (long Seq, string Hash)?, List<DbTailRow>?, Task<IReadOnlyList<AuditRow>>> chain, long? tailAfter,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = _connection ??= await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            DbTransaction? tx = null;
            IReadOnlyList<AuditRow> rows;
            try
            {
                (tx, var head, var tail) = await _dialect.BeginWriteAndReadHeadAsync(connection, tailAfter, cancellationToken).ConfigureAwait(false);
                rows = await chain(connection, tx, head, tail).ConfigureAwait(false);
                await _dialect.InsertAndCommitAsync(connection, tx, rows, cancellationToken).ConfigureAwait(false);
            }
            catch (DbCommitUnknownException unknown)
            {
                await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                if (IsBroken(connection)) await DropAsync().ConfigureAwait(false);
                var ex = unknown.InnerException!;
                throw new AuditStoreException(
                    $"The audit store {_dialect.What} did not confirm the commit of the append ({ex.Message}), so whether the event was recorded is not " +
                    "known: it may be in the log. Read the log back to find out (a gate does so on its next call); the store reconnects on the next append.",
                    ex);
            }
            catch (Exception) when (IsBroken(connection))
            {
                // Nothing was committed: the server rolled the transaction back when its connection died.
                await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                await DropAsync().ConfigureAwait(false);
                if (attempt == 1) continue;
                throw;
            }
            catch
            {
                await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                throw;
            }

            await DisposeQuietlyAsync(tx).ConfigureAwait(false);
            return rows;
        }
    }

    /// <summary>
    /// Takes the dialect's session hold of the write lock on the writer connection (opening one if needed) and returns that
    /// connection. Used only between groups, and only when the dialect <see cref="DbDialect.CanHoldHead"/>.
    /// </summary>
    /// <exception cref="AuditStoreException">The database could not be reached.</exception>
    public async Task<DbConnection> HoldAsync(CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        try
        {
            connection = _connection ??= await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            await _dialect.HoldAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (DbRead.IsDatabaseFailure(ex))
        {
            if (connection is not null && IsBroken(connection)) await DropAsync().ConfigureAwait(false);
            throw new AuditStoreException($"The audit store {_dialect.What} could not hold its append lock: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Lets go of a hold taken on <paramref name="connection"/>, unless it is no longer the writer's (its session, and the
    /// hold, ended with it).
    /// </summary>
    public async Task ReleaseHoldAsync(DbConnection connection)
    {
        if (!ReferenceEquals(connection, _connection) || IsBroken(connection)) return;
        try
        {
            await _dialect.ReleaseHoldAsync(connection).ConfigureAwait(false);
        }
        catch (Exception ex) when (DbRead.IsDatabaseFailure(ex))
        {
            // The session cannot be told: drop it, which ends the hold with it.
            await DropAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => DropAsync();

    private static bool IsBroken(DbConnection connection) => connection.State != ConnectionState.Open;

    private async ValueTask DropAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null) await DisposeQuietlyAsync(connection).ConfigureAwait(false);
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null) return;
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
        {
            // A broken connection may refuse even its own clean-up; there is nothing left to release on it.
        }
    }
}

/// <summary>
/// Thrown by <see cref="DbDialect.InsertAndCommitAsync"/> when COMMIT was sent and no answer came: the group may be in the
/// log. Its inner exception is the driver's.
/// </summary>
internal sealed class DbCommitUnknownException(Exception inner) : Exception(inner.Message, inner);
