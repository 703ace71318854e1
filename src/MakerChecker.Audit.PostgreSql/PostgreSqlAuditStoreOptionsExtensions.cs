using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Stores;

namespace MakerChecker.DependencyInjection;

/// <summary>Selects the PostgreSQL audit store in <c>services.AddMakerChecker(...)</c>.</summary>
public static class PostgreSqlAuditStoreOptionsExtensions
{
    /// <summary>
    /// Makes the gate write to a <see cref="PostgreSqlAuditStore"/> on the database <paramref name="connectionString"/> names, opened when the gate is first
    /// resolved and disposed with it. The store's clock is <see cref="MakerCheckerOptions.TimeProvider"/>.
    /// </summary>
    /// <param name="options">The MakerChecker options.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Adjusts the store's options; optional.</param>
    /// <returns>The options, for chaining.</returns>
    public static MakerCheckerOptions UsePostgreSqlAuditStore(this MakerCheckerOptions options, string connectionString, Action<SqlAuditStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        options.AuditStore = null;
        options.AuditStoreFactory = _ =>
        {
            var storeOptions = new SqlAuditStoreOptions { TimeProvider = options.TimeProvider };
            configure?.Invoke(storeOptions);
            // The factory is synchronous; the open runs once, when the gate is first resolved.
            return PostgreSqlAuditStore.OpenAsync(connectionString, storeOptions).GetAwaiter().GetResult();
        };
        return options;
    }
}
