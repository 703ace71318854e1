using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Stores;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql;

/// <summary>
/// A <see cref="PartitionedAuditLog"/> in one PostgreSQL database: one schema per chain (<c>makerchecker_p0</c>,
/// <c>makerchecker_p1</c>, …), each holding an ordinary <see cref="PostgreSqlAuditStore"/> with its own table, triggers,
/// genesis and append lock, so chains never wait for one another. The checkpoint histories and the index are files in
/// <see cref="PartitionedAuditLogOptions.Directory"/>.
/// </summary>
public static class PostgreSqlPartitionedAuditLog
{
    /// <summary>What every chain's schema name starts with; the chain's name follows.</summary>
    public const string SchemaPrefix = "makerchecker_";

    /// <summary>The connection string of one chain: <paramref name="connectionString"/> with its search path set to the chain's schema.</summary>
    /// <param name="connectionString">The database's connection string.</param>
    /// <param name="chain">The chain's name.</param>
    /// <returns>The chain's connection string.</returns>
    public static string ChainConnectionString(string connectionString, string chain) =>
        new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = SchemaPrefix + chain }.ConnectionString;

    /// <summary>
    /// Opens (or creates) a partitioned log of <paramref name="partitions"/> chains in the database: creates each chain's schema
    /// if missing (the role needs CREATE on the database the first time), opens its store, then the partitioned log over them.
    /// </summary>
    /// <param name="connectionString">The database's connection string (its search path is replaced per chain).</param>
    /// <param name="partitions">How many chains, at least 1.</param>
    /// <param name="options">The signer, origin, directory of the checkpoint files and schedule.</param>
    /// <param name="storeOptions">Options of every chain's store (the instance id is set per chain). <value>The default value is the defaults.</value></param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open log.</returns>
    /// <exception cref="AuditStoreException">A chain cannot be opened, or the log does not match its index.</exception>
    public static async Task<PartitionedAuditLog> OpenAsync(string connectionString, int partitions, PartitionedAuditLogOptions options,
        SqlAuditStoreOptions? storeOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var names = Enumerable.Range(0, partitions).Select(PartitionedAuditLog.ChainName).ToArray();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = string.Concat(names.Select(n => $"CREATE SCHEMA IF NOT EXISTS {SchemaPrefix}{n};"));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var chains = new List<KeyValuePair<string, IAuditStore>>();
        try
        {
            foreach (var name in names)
            {
                var chainOptions = new SqlAuditStoreOptions
                {
                    InstanceId = (options.Origin ?? "makerchecker.audit") + "/" + name,
                    MaxGroupSize = storeOptions?.MaxGroupSize ?? 512,
                    LockTimeout = storeOptions?.LockTimeout ?? TimeSpan.FromSeconds(30),
                    TimeProvider = storeOptions?.TimeProvider ?? options.TimeProvider,
                };
                chains.Add(new(name, await PostgreSqlAuditStore.OpenAsync(ChainConnectionString(connectionString, name), chainOptions, cancellationToken)
                    .ConfigureAwait(false)));
            }
        }
        catch
        {
            foreach (var (_, store) in chains) await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return await PartitionedAuditLog.OpenAsync(chains, options, cancellationToken).ConfigureAwait(false);
    }
}
