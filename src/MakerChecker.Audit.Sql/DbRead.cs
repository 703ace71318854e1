using System.Data;
using System.Data.Common;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// One read of a SQL store: a connection of its own, one statement (one snapshot), its rows <c>(seq, row)</c> streamed
/// forward. A pooled connection found broken when the statement is sent (its server restarted, or the primary failed
/// over) is replaced once, since nothing had been read from it; with a multi-host connection string the new one goes to
/// whichever host serves now. Every failure is an <see cref="AuditStoreException"/> naming the store, never the driver's own.
/// </summary>
internal sealed class DbRead : IAsyncDisposable
{
    private readonly string _what;
    private readonly DbConnection _connection;
    private readonly DbCommand _command;
    private readonly DbDataReader _reader;

    private DbRead(string what, DbConnection connection, DbCommand command, DbDataReader reader)
    {
        _what = what;
        _connection = connection;
        _command = command;
        _reader = reader;
    }

    /// <summary>The current row's seq (column 0).</summary>
    public long Seq => _reader.GetInt64(0);

    /// <summary>The current row as stored (column 1).</summary>
    public byte[] Row => _reader.GetFieldValue<byte[]>(1);

    /// <summary>Opens a connection and runs <paramref name="sql"/> (its parameters added by <paramref name="bind"/>).</summary>
    /// <exception cref="AuditStoreException">The database could not be reached or the statement failed.</exception>
    public static async Task<DbRead> StartAsync(DbDialect dialect, string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            DbConnection? connection = null;
            DbCommand? command = null;
            try
            {
                connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
                command = connection.CreateCommand();
#pragma warning disable CA2100 // The statements are constants of DbAuditLog; values are always parameters.
                command.CommandText = sql;
#pragma warning restore CA2100
                bind(command);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return new DbRead(dialect.What, connection, command, reader);
            }
            catch (Exception ex) when (IsDatabaseFailure(ex))
            {
                var broken = connection is not null && connection.State != ConnectionState.Open;
                await DisposeQuietlyAsync(command).ConfigureAwait(false);
                await DisposeQuietlyAsync(connection).ConfigureAwait(false);
                if (broken && attempt == 1) continue;
                throw new AuditStoreException($"The audit store {dialect.What} could not be read: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Moves to the next row.</summary>
    /// <exception cref="AuditStoreException">The connection failed part way: the rows already returned stand, the rest were not read.</exception>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            throw new AuditStoreException($"The audit store {_what} could not be read to the end: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeQuietlyAsync(_reader).ConfigureAwait(false);
        await DisposeQuietlyAsync(_command).ConfigureAwait(false);
        await DisposeQuietlyAsync(_connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether <paramref name="ex"/> is the database or its connection failing (reported as an <see cref="AuditStoreException"/>
    /// naming the store), rather than a bug: what the reads and the writer's lock hold catch.
    /// </summary>
    internal static bool IsDatabaseFailure(Exception ex) => ex is DbException or InvalidOperationException or IOException or TimeoutException;

    private static async ValueTask DisposeQuietlyAsync(IAsyncDisposable? disposable)
    {
        if (disposable is null) return;
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDatabaseFailure(ex))
        {
            // A broken connection may refuse even its own clean-up; there is nothing left to release on it.
        }
    }
}
