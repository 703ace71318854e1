using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;

namespace MakerChecker.DependencyInjection;

/// <summary>Selects the SQLite audit store in <c>services.AddMakerChecker(...)</c>.</summary>
public static class SqliteAuditStoreOptionsExtensions
{
    /// <summary>
    /// Makes the gate write to a <see cref="SqliteAuditStore"/> at <paramref name="path"/>, opened when the gate is first
    /// resolved and disposed with it. The store's clock is <see cref="MakerCheckerOptions.TimeProvider"/>.
    /// </summary>
    /// <param name="options">The MakerChecker options.</param>
    /// <param name="path">The SQLite database file.</param>
    /// <param name="configure">Adjusts the store's options; optional.</param>
    /// <returns>The options, for chaining.</returns>
    public static MakerCheckerOptions UseSqliteAuditStore(this MakerCheckerOptions options, string path, Action<SqlAuditStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options.AuditStore = null;
        options.AuditStoreFactory = _ =>
        {
            var storeOptions = new SqlAuditStoreOptions { TimeProvider = options.TimeProvider };
            configure?.Invoke(storeOptions);
            // SQLite's ADO.NET provider is synchronous underneath, so this wait does not block on I/O completion.
            return SqliteAuditStore.OpenAsync(path, storeOptions).GetAwaiter().GetResult();
        };
        return options;
    }
}
