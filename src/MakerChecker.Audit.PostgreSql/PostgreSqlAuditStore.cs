using System.Data.Common;
using MakerChecker.Audit.Stores;
using Npgsql;
using NpgsqlTypes;

namespace MakerChecker.Audit.PostgreSql;

/// <summary>
/// An audit store in a PostgreSQL database: one append-only chain (triggers refuse UPDATE, DELETE and TRUNCATE) shared
/// by many application instances. Every append is a transaction that takes a transaction-scoped advisory lock and
/// reads the head it chains onto inside it. Appends that arrive together commit as one transaction.
/// </summary>
public sealed class PostgreSqlAuditStore : SqlAuditStore
{
    private PostgreSqlAuditStore(DbAuditLog log, NpgsqlDataSource dataSource)
        : base(log, dataSource)
    {
    }

    /// <summary>
    /// Opens the audit log in the database <paramref name="connectionString"/> names: migrates its schema (in the
    /// connection's search path) and writes the genesis event of a new log.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string. The role needs CREATE on the schema for the first open, then only SELECT and INSERT.</param>
    /// <param name="options">Identity, clock and batching options; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open store; dispose it to finish queued appends and close its connections.</returns>
    /// <exception cref="AuditStoreException">The database holds another instance's log or a newer schema, or cannot be reached.</exception>
    public static async Task<PostgreSqlAuditStore> OpenAsync(
        string connectionString, SqlAuditStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        options ??= new SqlAuditStoreOptions();
        options.Validate();
        var dataSource = NpgsqlDataSource.Create(ForWriting(connectionString, options.LockTimeout));
        try
        {
            var log = await DbAuditLog.OpenAsync(new PostgreSqlDialect(dataSource), options.InstanceId, options.TimeProvider,
                options.IdGenerator, options.MaxGroupSize, cancellationToken).ConfigureAwait(false);
            return new PostgreSqlAuditStore(log, dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens the audit log in the database <paramref name="connectionString"/> names for reading only (inspectors,
    /// <c>makerchecker audit</c>): every session is <c>default_transaction_read_only</c>, nothing is migrated or written, and
    /// the advisory lock appends take is never requested, so applications appending meanwhile are not blocked. Each read
    /// is one snapshot of the committed events. Appends throw <see cref="InvalidOperationException"/>. A role with only
    /// <c>SELECT</c> on <c>audit_events</c> and <c>audit_schema_version</c> is enough.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The read-only store; dispose it to close its connections.</returns>
    /// <exception cref="AuditStoreException">The database cannot be reached, holds no audit log, or has a newer schema.</exception>
    public static async Task<PostgreSqlAuditStore> OpenReadOnlyAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var builder = Parse(connectionString);
        AddSessionSettings(builder, "-c default_transaction_read_only=on");
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw NotValid(ex);
        }

        try
        {
            var log = await DbAuditLog.OpenReadOnlyAsync(new PostgreSqlDialect(dataSource), cancellationToken)
                .ConfigureAwait(false);
            return new PostgreSqlAuditStore(log, dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The settings of every session of a store that appends: the statements every group repeats (lock, head, tail, insert)
    /// prepared once per connection, unless the connection string already says how many to prepare (<c>Max Auto Prepare</c>);
    /// and the lock timeout, for the session, so that a group does not send a <c>SET LOCAL</c> of its own (one statement of
    /// seven per commit). It covers the store's reads too: they take no lock an append could block, but a read queued behind
    /// an exclusive lock (another instance's migration, an operator's <c>VACUUM FULL</c>) fails after the timeout instead of waiting.
    /// </summary>
    private static string ForWriting(string connectionString, TimeSpan lockTimeout)
    {
        var builder = Parse(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 16;
        AddSessionSettings(builder, $"-c lock_timeout={(long)lockTimeout.TotalMilliseconds}");
        return builder.ConnectionString;
    }

    /// <summary>The caller's connection string, read once for a store to add its session settings to.</summary>
    /// <exception cref="AuditStoreException">It is not a valid Npgsql connection string.</exception>
    private static NpgsqlConnectionStringBuilder Parse(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw NotValid(ex);
        }
    }

    /// <summary>Adds <paramref name="settings"/> (<c>-c name=value</c>) after the options every session already starts with.</summary>
    private static void AddSessionSettings(NpgsqlConnectionStringBuilder builder, string settings) =>
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? settings : builder.Options + " " + settings;

    private static AuditStoreException NotValid(ArgumentException error) =>
        new($"The PostgreSQL connection string is not valid: {error.Message}", error);

    /// <remarks>
    /// Every lock it requests waits at most the session's <c>lock_timeout</c> (<see cref="ForWriting"/>), then fails the
    /// append; a read-only store never requests one.
    /// </remarks>
    private sealed class PostgreSqlDialect(NpgsqlDataSource dataSource) : DbDialect
    {
        // One advisory lock key per log, that is per schema (a partitioned deployment keeps one chain per schema): every append
        // to that log, from any connection or process, holds it until commit, and chains in other schemas never wait for it.
        // The public schema keeps the one fixed key earlier versions took for every log (0x4D43_4155_4449_5431, "MCAUDIT1"),
        // so a rolling upgrade there still excludes old writers; elsewhere the seq primary key refuses an old writer's fork.
        private const string LockKeySql =
            "CASE current_schema() WHEN 'public' THEN 5567365398833746993 ELSE hashtextextended('makerchecker.audit:' || current_schema(), 0) END";

        public override string What { get; } = $"PostgreSQL database '{new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database}'";

        public override IReadOnlyList<string> Migrations { get; } = [PostgreSqlSchema.Version1];

        public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException) when (dataSource is NpgsqlMultiHostDataSource hosts)
            {
                // With several hosts, Npgsql remembers each one's role (primary, standby, offline) for Host Recheck Seconds
                // (10 s by default), so a standby promoted meanwhile would be passed over as a standby until then. Forget
                // the roles and ask every host again, once: after a failover the store writes to the new primary at once.
                hosts.ClearDatabaseStates();
                return await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Transaction-scoped: released by COMMIT or ROLLBACK, and by the server if the connection dies.
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = LockOnlySql;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return tx;
            }
            catch
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>PostgreSQL holds its advisory lock for a session (<see cref="HoldAsync"/>).</summary>
        public override bool CanHoldHead => true;

        /// <summary>
        /// The same advisory lock at session level: the appends' transaction-scoped
        /// requests on this session are granted at once (a session's own advisory locks never block it), others wait until
        /// <see cref="ReleaseHoldAsync"/>, or until the session ends.
        /// </summary>
        public override async Task HoldAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = HoldSql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Lets go of one session hold. If the session cannot be told, its pool is cleared first, so that the connection is
        /// closed (ending the session and its hold) when the writer drops it, never kept idle in the pool holding the lock.
        /// </summary>
        public override async Task ReleaseHoldAsync(DbConnection connection)
        {
            try
            {
                await using var command = connection.CreateCommand();
                command.CommandText = ReleaseSql;
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch
            {
                NpgsqlConnection.ClearPool((NpgsqlConnection)connection);
                throw;
            }
        }

        /// <summary>
        /// BEGIN, the lock (its timeout is the session's), the head read and the tail read in one round trip: a batch of statements, each with its own
        /// snapshot (READ COMMITTED), so the head and the tail are read by statements that start only once the lock is
        /// granted and see every commit before it.
        /// </summary>
        public override async Task<(DbTransaction Transaction, (long Seq, string Hash)? Head, List<DbTailRow>? Tail)> BeginWriteAndReadHeadAsync(
            DbConnection connection, long? tailAfter, CancellationToken cancellationToken)
        {
            var npgsql = (NpgsqlConnection)connection;
            var tx = await npgsql.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await using var batch = new NpgsqlBatch(npgsql, tx)
                {
                    BatchCommands = { new NpgsqlBatchCommand(LockOnlySql), new NpgsqlBatchCommand(HeadSql) },
                };
                if (tailAfter is { } after)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(TailSql) { Parameters = { new NpgsqlParameter<long>("after", after) } });
                }

                await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (reader.FieldCount != 2)
                {
                    if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw new AuditStoreException($"The audit store {What} did not answer the head query.");
                    }
                }

                (long, string)? head = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetString(1)) : null;
                if (tailAfter is null) return (tx, head, null);
                if (!await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new AuditStoreException($"The audit store {What} did not answer the tail query.");
                }

                var tail = new List<DbTailRow>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tail.Add(new DbTailRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3)));
                }

                return (tx, head, tail);
            }
            catch
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// The whole group in one statement: <c>INSERT ... SELECT * FROM unnest(arrays)</c>, one array parameter a column,
        /// so the text is the same for any group size and is prepared once per connection (auto-prepare).
        /// </summary>
        public override async Task InsertAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
        {
            await using var insert = new NpgsqlCommand(UnnestInsertSql, (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
            AddInsertParameters(insert.Parameters, rows);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The insert (<see cref="InsertAsync"/>) and COMMIT in one round trip. An error the insert itself raised, on a
        /// connection still open, means the server did not run the COMMIT (it skips the rest of a failed batch) and rolled
        /// nothing forward; any other failure may have come after the COMMIT ran, so the outcome is not known.
        /// </summary>
        public override async Task InsertAndCommitAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<AuditRow> rows,
            CancellationToken cancellationToken)
        {
            var npgsql = (NpgsqlConnection)connection;
            await using var batch = new NpgsqlBatch(npgsql, (NpgsqlTransaction)tx);
            NpgsqlBatchCommand? insert = null;
            if (rows.Count > 0)
            {
                insert = new NpgsqlBatchCommand(UnnestInsertSql);
                AddInsertParameters(insert.Parameters, rows);
                batch.BatchCommands.Add(insert);
            }

            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
                when (insert is not null && ReferenceEquals(ex.BatchCommand, insert) && npgsql.State == System.Data.ConnectionState.Open)
            {
                throw; // nothing committed: the transaction is rolled back when it is disposed
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new DbCommitUnknownException(ex);
            }
        }

        private static void AddInsertParameters(NpgsqlParameterCollection parameters, IReadOnlyList<AuditRow> rows)
        {
            var n = rows.Count;
            var (seq, id, at, actor, type, entityType, entityId, runId, row, hash) =
                (new long[n], new string[n], new string[n], new string[n], new string[n], new string?[n], new string?[n], new string?[n], new byte[n][],
                    new string[n]);
            for (var i = 0; i < n; i++)
            {
                var r = rows[i];
                (seq[i], id[i], at[i], actor[i], type[i]) = (r.Seq, r.Id, r.OccurredAt, r.ActorId, r.EventType);
                (entityType[i], entityId[i], runId[i], row[i], hash[i]) = (r.EntityType, r.EntityId, r.RunId, r.Row, r.Hash);
            }

            parameters.Add(new NpgsqlParameter<long[]>("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = seq });
            foreach (var (name, values) in new[] { ("id", id), ("at", at), ("actor", actor), ("type", type), ("hash", hash) })
            {
                parameters.Add(new NpgsqlParameter<string[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values });
            }

            foreach (var (name, values) in new[] { ("etype", entityType), ("eid", entityId), ("run", runId) })
            {
                parameters.Add(new NpgsqlParameter<string?[]>(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = values });
            }

            parameters.Add(new NpgsqlParameter<byte[][]>("row", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = row });
        }

        private const string UnnestInsertSql =
            $"INSERT INTO audit_events ({InsertColumns}) " +
            "SELECT * FROM unnest(@seq, @id, @at, @actor, @type, @etype, @eid, @run, @row, @hash)";

        private const string LockOnlySql = $"SELECT pg_advisory_xact_lock({LockKeySql})";

        private const string HoldSql = $"SELECT pg_advisory_lock({LockKeySql})";

        private const string ReleaseSql = $"SELECT pg_advisory_unlock({LockKeySql})";
    }
}
