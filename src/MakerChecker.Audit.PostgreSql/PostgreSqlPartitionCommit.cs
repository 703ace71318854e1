using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using MakerChecker.Audit.Stores;
using Npgsql;
using NpgsqlTypes;

namespace MakerChecker.Audit.PostgreSql;

/// <summary>
/// One writer for every chain of a partitioned log in one PostgreSQL database. The groups the chains' commit loops hand it
/// while a round is being written are written together in the next round: one transaction of three statements whatever the
/// number of chains (their locks, their heads, their rows), so N chains cost what one chain costs per round, not N times
/// that. Each chain's group is still chained onto its own head, read after its own advisory lock (the key its own store
/// takes) was granted, and inserted into its own table; only the statements and the COMMIT are shared.
/// </summary>
/// <remarks>
/// <para>No lock is ever waited for while another is held, so two such writers (two processes) and the chains' own stores
/// cannot deadlock: a round tries every chain's lock at once (<c>pg_try_advisory_xact_lock</c>), and a chain whose lock
/// another process holds is left for the next round, which starts when another group arrives or a millisecond has passed,
/// so a chain busy elsewhere holds up no other chain. A chain left over <see cref="WaitAfterSkips"/> times is waited for
/// (first in its round, holding no other lock), so none starves.</para>
/// <para>A failure means what it means on one chain's own connection (<c>DbWriterConnection</c>), for every group in the
/// round: an error before COMMIT fails each (nothing of any is in the log; a broken connection is replaced and the round
/// run once more), and a COMMIT without answer leaves every one of them unknown, and says so.</para>
/// <para>Closed once the opener has released it and every chain's store is disposed.</para>
/// </remarks>
internal sealed class PostgreSqlPartitionCommit
{
    /// <summary>After this many rounds without its lock, a chain's group is waited for (holding no other lock) in its next round.</summary>
    internal const int WaitAfterSkips = 32;

    private readonly string[] _schemas;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _lockTimeoutSql;
    private readonly string _headsSql;
    private readonly string _insertSql;
    private readonly string _what;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private NpgsqlConnection? _connection;
    private int _users = 1; // the opener's, given up by ReleaseAsync, and one per chain writer
    private int _waiting;
    private long _rounds;
    private long _groups;

    /// <param name="connectionString">The database's connection string (the writer names every table with its schema).</param>
    /// <param name="schemas">Every chain's schema, in the log's order.</param>
    /// <param name="lockTimeout">How long a chain's lock is waited for, when it is.</param>
    public PostgreSqlPartitionCommit(string connectionString, IReadOnlyList<string> schemas, TimeSpan lockTimeout)
    {
        _schemas = [.. schemas];
        _dataSource = NpgsqlDataSource.Create(PostgreSqlAuditStore.WithAutoPrepare(connectionString));
        _lockTimeoutSql = $"SET LOCAL lock_timeout = {((long)lockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}";
        _headsSql = string.Join(" UNION ALL ", _schemas.Select((s, i) =>
            $"SELECT {I(i)} AS chain, seq, hash FROM (SELECT seq, hash FROM {Table(s)} ORDER BY seq DESC LIMIT 1) AS h{I(i)}"));
        var insert = new StringBuilder("WITH ");
        for (var i = 0; i < _schemas.Length; i++)
        {
            insert.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"i{I(i)} AS (INSERT INTO {Table(_schemas[i])} ")
                .Append(CultureInfo.InvariantCulture, $"({DbDialect.InsertColumns}) {PostgreSqlAuditStore.UnnestSelect(I(i))})");
        }

        _insertSql = insert.Append(" SELECT 1").ToString();
        _what = $"PostgreSQL database '{new NpgsqlConnectionStringBuilder(connectionString).Database}' (partitioned log)";
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>How many groups wait for the next round.</summary>
    internal int Waiting => Volatile.Read(ref _waiting);

    /// <summary>How many rounds were committed, and how many groups they carried (more groups than rounds: chains shared commits).</summary>
    public (long Rounds, long Groups) Committed => (Interlocked.Read(ref _rounds), Interlocked.Read(ref _groups));

    /// <summary>
    /// Opens the store of chain number <paramref name="chain"/> (its position among the schemas given), its group transactions
    /// written by this writer; the connection it was opened on goes back to its pool.
    /// </summary>
    /// <param name="chain">The chain's position.</param>
    /// <param name="connectionString">The chain's connection string: the database's, with the chain's schema as its search path.</param>
    /// <param name="options">The chain's store options.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The chain's store.</returns>
    public Task<PostgreSqlAuditStore> OpenChainAsync(int chain, string connectionString, SqlAuditStoreOptions options, CancellationToken cancellationToken) =>
        PostgreSqlAuditStore.OpenAsync(connectionString, options, _schemas[chain], opened =>
        {
            opened.Dispose();
            Interlocked.Increment(ref _users);
            return new ChainWriter(this, chain);
        }, cancellationToken);

    /// <summary>Gives up the opener's use: the writer closes once every chain store opened by <see cref="OpenChainAsync"/> is disposed too.</summary>
    /// <returns>A task that completes when released (and closed, when nothing uses it).</returns>
    public ValueTask ReleaseAsync() => Interlocked.Decrement(ref _users) == 0 ? new ValueTask(CloseAsync()) : ValueTask.CompletedTask;

    private static readonly string TryLocksSql =
        $"SELECT pg_try_advisory_xact_lock({PostgreSqlAuditStore.SchemaLockKeySql("s")}) FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n";

    private static readonly string WaitLockSql = $"SELECT true FROM (SELECT pg_advisory_xact_lock({PostgreSqlAuditStore.SchemaLockKeySql("$1")})) AS l";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Table(string schema) => $"\"{schema}\".audit_events";

    private sealed class Pending(int chain, Func<DbConnection, DbTransaction, (long Seq, string Hash)?, Task<IReadOnlyList<AuditRow>>> work)
    {
        public int Chain { get; } = chain;

        public Func<DbConnection, DbTransaction, (long Seq, string Hash)?, Task<IReadOnlyList<AuditRow>>> Work { get; } = work;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Skipped { get; set; }

        public IReadOnlyList<AuditRow> Rows { get; set; } = [];
    }

    private sealed class ChainWriter(PostgreSqlPartitionCommit owner, int chain) : IDbGroupWriter
    {
        private int _disposed;

        public Task WriteAsync(Func<DbConnection, DbTransaction, (long Seq, string Hash)?, Task<IReadOnlyList<AuditRow>>> chainGroup,
            CancellationToken cancellationToken)
        {
            // Not cancellable once queued: a group may be committed after its caller stopped waiting, and is then reported as such.
            var pending = new Pending(chain, chainGroup);
            Interlocked.Increment(ref owner._waiting);
            if (!owner._queue.Writer.TryWrite(pending))
            {
                Interlocked.Decrement(ref owner._waiting);
                ObjectDisposedException.ThrowIf(true, owner);
            }

            return pending.Done.Task;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) await owner.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private async Task CloseAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var left = new List<Pending>();
        while (left.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var round = left;
            while (_queue.Reader.TryRead(out var next))
            {
                Interlocked.Decrement(ref _waiting);
                round.Add(next);
            }

            // The most-skipped first (it may be waited for), then chain order. A chain has at most one group waiting (its loop waits).
            round.Sort((a, b) => a.Skipped != b.Skipped ? b.Skipped.CompareTo(a.Skipped) : a.Chain.CompareTo(b.Chain));
            left = await RoundAsync(round).ConfigureAwait(false);
            foreach (var p in left) p.Skipped++;
            if (left.Count == round.Count)
            {
                // Nothing was written (every lock was busy elsewhere): try again when another group arrives, or in a millisecond.
                await Task.WhenAny(_queue.Reader.WaitToReadAsync().AsTask(), Task.Delay(1)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One transaction over the groups of <paramref name="round"/>; returns those whose lock was busy, for the next round.</summary>
    private async Task<List<Pending>> RoundAsync(List<Pending> round)
    {
        for (var attempt = 1; ; attempt++)
        {
            List<Pending> written = [], busy = [];
            NpgsqlConnection? connection = null;
            NpgsqlTransaction? tx = null;
            try
            {
                connection = _connection ??= await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                tx = await connection.BeginTransactionAsync().ConfigureAwait(false);
                var (locked, heads) = await LockAndReadHeadsAsync(connection, tx, round, wait: round[0].Skipped >= WaitAfterSkips).ConfigureAwait(false);

                for (var i = 0; i < round.Count; i++)
                {
                    if (!locked[i])
                    {
                        busy.Add(round[i]);
                        continue;
                    }

                    round[i].Rows = await round[i].Work(connection, tx, heads.TryGetValue(round[i].Chain, out var h) ? h : null).ConfigureAwait(false);
                    written.Add(round[i]);
                }

                await InsertAsync(connection, tx, written).ConfigureAwait(false);
            }
            catch (Exception) when (connection is not null && connection.State != ConnectionState.Open && attempt == 1)
            {
                // Nothing was committed: the server rolled the transaction back when its connection died. Once more, on a new one.
                await DropAsync(tx).ConfigureAwait(false);
                continue;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (connection is not null && connection.State != ConnectionState.Open) await DropAsync(tx).ConfigureAwait(false);
                else await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                var error = ex as AuditStoreException ?? new AuditStoreException(
                    $"The audit store {_what} could not write a round of appends, so none of its events was recorded: {ex.Message}", ex);
                foreach (var p in round) p.Done.TrySetException(error);
                return [];
            }

            try
            {
                await tx.CommitAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (connection.State != ConnectionState.Open) await DropAsync(tx).ConfigureAwait(false);
                else await DisposeQuietlyAsync(tx).ConfigureAwait(false);
                var unknown = new AuditStoreException(
                    $"The audit store {_what} did not confirm the commit of the append ({ex.Message}), so whether the event was recorded is not " +
                    "known: it may be in the log. Read the log back to find out (a gate does so on its next call); the store reconnects on the next append.",
                    ex);
                foreach (var p in written) p.Done.TrySetException(unknown);
                return busy;
            }

            await tx.DisposeAsync().ConfigureAwait(false);
            if (written.Count > 0) Interlocked.Increment(ref _rounds);
            Interlocked.Add(ref _groups, written.Count);
            foreach (var p in written) p.Done.TrySetResult();
            return busy;
        }
    }

    /// <summary>
    /// In one round trip: the lock of every chain of <paramref name="round"/> (tried, or, for the first when
    /// <paramref name="wait"/>, waited for), then every chain's head, read by a statement that starts after the locks were
    /// taken, so a locked chain's head is its last committed event.
    /// </summary>
    private async Task<(bool[] Locked, Dictionary<int, (long Seq, string Hash)> Heads)> LockAndReadHeadsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, List<Pending> round, bool wait)
    {
        var tryLocks = new NpgsqlBatchCommand(TryLocksSql)
        {
            Parameters = { new NpgsqlParameter<string[]> { TypedValue = [.. round.Skip(wait ? 1 : 0).Select(p => _schemas[p.Chain])] } },
        };
        await using var batch = new NpgsqlBatch(connection, tx) { BatchCommands = { new NpgsqlBatchCommand(_lockTimeoutSql) } };
        if (wait)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(WaitLockSql) { Parameters = { new NpgsqlParameter<string> { TypedValue = _schemas[round[0].Chain] } } });
        }

        batch.BatchCommands.Add(tryLocks);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_headsSql));
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        var locked = new List<bool>();
        var heads = new Dictionary<int, (long, string)>();
        var results = 0;
        do
        {
            if (reader.FieldCount == 0) continue;
            results++;
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                if (reader.FieldCount == 3) heads[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetString(2));
                else locked.Add(reader.GetBoolean(0));
            }
        }
        while (await reader.NextResultAsync().ConfigureAwait(false));
        if (results != (wait ? 3 : 2) || locked.Count != round.Count)
        {
            throw new AuditStoreException($"The audit store {_what} did not answer the lock and head queries of a round.");
        }

        return ([.. locked], heads);
    }

    /// <summary>Every written chain's rows in one statement: one data-modifying WITH part per chain, empty arrays for the others.</summary>
    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<Pending> written)
    {
        if (written.All(p => p.Rows.Count == 0)) return;
        await using var insert = new NpgsqlCommand(_insertSql, connection, tx);
        for (var i = 0; i < _schemas.Length; i++)
        {
            PostgreSqlAuditStore.AddRowArrays(insert.Parameters, written.FirstOrDefault(p => p.Chain == i)?.Rows ?? [], I(i));
        }

        await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private async ValueTask DropAsync(NpgsqlTransaction? tx)
    {
        await DisposeQuietlyAsync(tx).ConfigureAwait(false);
        var connection = _connection;
        _connection = null;
        await DisposeQuietlyAsync(connection).ConfigureAwait(false);
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
