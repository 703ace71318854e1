using System.Data.Common;
using MakerChecker.Audit.Stores;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite;

/// <summary>
/// An audit store in one SQLite database file: embedded, queryable, append-only (triggers refuse UPDATE and DELETE),
/// and shared safely by many connections and processes on one machine: every append is a <c>BEGIN IMMEDIATE</c>
/// transaction that reads the head it chains onto. Appends that arrive together commit as one transaction.
/// </summary>
public sealed class SqliteAuditStore : SqlAuditStore
{
    private SqliteAuditStore(DbAuditLog log)
        : base(log)
    {
    }

    /// <summary>
    /// Opens (creating if needed) the audit log in the SQLite file at <paramref name="path"/>: migrates its schema and
    /// writes the genesis event of a new log.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="options">Identity, clock and batching options; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open store; dispose it to finish queued appends and close the connection.</returns>
    /// <exception cref="AuditStoreException">The file holds another instance's log, a newer schema, or is not a database.</exception>
    public static async Task<SqliteAuditStore> OpenAsync(string path, SqlAuditStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SqlAuditStoreOptions();
        options.Validate();
        var dialect = new SqliteDialect(path, options.LockTimeout);
        return new SqliteAuditStore(await DbAuditLog.OpenAsync(dialect, options.InstanceId, options.TimeProvider, options.IdGenerator,
            options.MaxGroupSize, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Opens the audit log in an existing SQLite file for reading only (inspectors, <c>makerchecker audit</c>): the file is
    /// opened read-only, nothing is migrated or written, and no write lock is ever taken, so an application appending to
    /// the same file meanwhile is not blocked (the database's WAL journal lets readers run beside the writer). Each read
    /// is one snapshot of the committed events. Appends throw <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="path">The database file; must exist.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The read-only store; dispose it to close its connections.</returns>
    /// <exception cref="AuditStoreException">The file is missing, is not a database, holds no audit log, or has a newer schema.</exception>
    public static async Task<SqliteAuditStore> OpenReadOnlyAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new AuditStoreException($"There is no SQLite audit store at '{path}': the file does not exist.");
        }

        var dialect = new SqliteDialect(path, TimeSpan.FromSeconds(30), readOnly: true);
        return new SqliteAuditStore(await DbAuditLog.OpenReadOnlyAsync(dialect, cancellationToken).ConfigureAwait(false));
    }

    private sealed class SqliteDialect(string path, TimeSpan lockTimeout, bool readOnly = false) : DbDialect
    {
        private readonly string _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = (int)Math.Ceiling(lockTimeout.TotalSeconds),
        }.ToString();

        public override string What { get; } = $"SQLite '{path}'";

        public override IReadOnlyList<string> Migrations { get; } = [SqliteSchema.Version1];

        /// <summary>
        /// SQLite's write lock belongs to a transaction (BEGIN IMMEDIATE) and cannot be held across transactions, so the store
        /// never holds the head: <see cref="SqlAuditStore.HoldHeadAsync"/> answers <see langword="null"/> at once.
        /// </summary>
        public override bool CanHoldHead => false;

        public override ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult<DbConnection>(Configure(new SqliteConnection(_connectionString)));

        public override async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            // Not deferred: BEGIN IMMEDIATE takes the database's write lock now, before the head is read, so two
            // processes can never chain onto the same head. busy_timeout makes a second writer wait, not fail.
            await Task.CompletedTask.ConfigureAwait(false);
            return ((SqliteConnection)connection).BeginTransaction(deferred: false);
        }

        private SqliteConnection Configure(SqliteConnection connection)
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // WAL lets readers run beside the writer; synchronous=FULL makes a committed append survive power loss. A
            // reader leaves the journal mode as the writer set it (changing it would write to the file).
            pragma.CommandText = readOnly
                ? $"PRAGMA busy_timeout = {(long)lockTimeout.TotalMilliseconds}; PRAGMA query_only = ON;"
                : $"PRAGMA busy_timeout = {(long)lockTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;";
            pragma.ExecuteNonQuery();
            return connection;
        }
    }
}
