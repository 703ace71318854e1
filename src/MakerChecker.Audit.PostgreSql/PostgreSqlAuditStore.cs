using System.Data.Common;
using MakerChecker.Audit.Stores;
using Npgsql;

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
        var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var log = await DbAuditLog.OpenAsync(new PostgreSqlDialect(dataSource, options.LockTimeout), options.InstanceId, options.TimeProvider,
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
        NpgsqlDataSource dataSource;
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            builder.Options = string.IsNullOrWhiteSpace(builder.Options)
                ? "-c default_transaction_read_only=on"
                : builder.Options + " -c default_transaction_read_only=on";
            dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new AuditStoreException($"The PostgreSQL connection string is not valid: {ex.Message}", ex);
        }

        try
        {
            var log = await DbAuditLog.OpenReadOnlyAsync(new PostgreSqlDialect(dataSource, TimeSpan.FromSeconds(30)), cancellationToken)
                .ConfigureAwait(false);
            return new PostgreSqlAuditStore(log, dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class PostgreSqlDialect(NpgsqlDataSource dataSource, TimeSpan lockTimeout) : DbDialect
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
                command.CommandText = $"SET LOCAL lock_timeout = {(long)lockTimeout.TotalMilliseconds}; SELECT pg_advisory_xact_lock({LockKeySql})";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return tx;
            }
            catch
            {
                await tx.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }
}

