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
    /// Runs one write transaction: begin (which takes the log's write lock), <paramref name="work"/>, commit. The store
    /// acknowledges the group only after this returns.
    /// </summary>
    /// <param name="work">
    /// Inserts the group on the head (last seq and hash, read inside the transaction once the lock is held; null for an
    /// empty table), inside the transaction; may run twice (see the class remarks).
    /// </param>
    /// <param name="cancellationToken">Cancels the open and the transaction.</param>
    /// <exception cref="AuditStoreException">COMMIT failed, so whether the group was recorded is not known; or <paramref name="work"/> threw one.</exception>
    public async Task WriteAsync(Func<DbConnection, DbTransaction, (long Seq, string Hash)?, Task> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = _connection ??= await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            DbTransaction? tx = null;
            try
            {
                (tx, var head) = await _dialect.BeginWriteAndReadHeadAsync(connection, cancellationToken).ConfigureAwait(false);
                await work(connection, tx, head).ConfigureAwait(false);
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

            try
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                if (IsBroken(connection)) await DropAsync().ConfigureAwait(false);
                throw new AuditStoreException(
                    $"The audit store {_dialect.What} did not confirm the commit of the append ({ex.Message}), so whether the event was recorded is not " +
                    "known: it may be in the log. Read the log back to find out (a gate does so on its next call); the store reconnects on the next append.",
                    ex);
            }

            await tx.DisposeAsync().ConfigureAwait(false);
            return;
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
