using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite audit store as the container's <see cref="IAuditStore"/>.</summary>
public static class SqliteAuditStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IAuditStore"/> on the SQLite file at <paramref name="path"/>, which
    /// <c>services.AddMakerChecker(...)</c> and anything else resolving <see cref="IAuditStore"/> pick up. The store is a
    /// <see cref="DeferredAuditStore"/>: it is opened asynchronously on first use (a gate's first call or its
    /// <c>InitializeAsync</c>), never by blocking a thread, and the container disposes it (dispose the provider with
    /// <c>DisposeAsync</c>). Its clock is the container's <see cref="TimeProvider"/> if one is registered, else
    /// <see cref="TimeProvider.System"/>; <paramref name="configure"/> may set another.
    /// Safe to call twice: one store is registered, the last path wins and every <paramref name="configure"/> applies
    /// in order.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="path">The SQLite database file.</param>
    /// <param name="configure">Adjusts the store's options; optional.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another <see cref="IAuditStore"/> is already registered: a gate writes to one log.</exception>
    public static IServiceCollection AddSqliteAuditStore(
        this IServiceCollection services, string path, Action<SqlAuditStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var registration = services.Where(d => !d.IsKeyedService).Select(d => d.ImplementationInstance).OfType<Registration>().FirstOrDefault();
        if (registration is null)
        {
            if (services.Any(d => d.ServiceType == typeof(IAuditStore)))
            {
                throw new InvalidOperationException(
                    "An IAuditStore is already registered, so AddSqliteAuditStore would be a second log: register one audit store per container.");
            }
            registration = new Registration();
            services.AddSingleton(registration);
            services.TryAddSingleton<IAuditStore>(provider =>
                new DeferredAuditStore(cancellationToken => registration.OpenAsync(provider, cancellationToken)));
        }
        registration.Path = path;
        registration.Configure += configure;
        return services;
    }

    /// <summary>
    /// Registers a singleton case store (<see cref="IRequestPayloadStore"/>) on the SQLite file at <paramref name="path"/>
    /// (<see cref="SqliteRequestPayloadStore"/>), which <c>services.AddMakerChecker(...)</c> gives the gate, so that it keeps
    /// each request's payload for reviewers. Use a file of its own, not the audit log's. Safe to call twice: the last path wins.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="path">The SQLite database file for payloads.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddSqliteRequestPayloadStore(this IServiceCollection services, string path)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(path);
        services.RemoveAll<IRequestPayloadStore>();
        services.AddSingleton<IRequestPayloadStore>(new SqliteRequestPayloadStore(path));
        return services;
    }

    /// <summary>What the calls to <see cref="AddSqliteAuditStore"/> asked for, read when the store is first opened.</summary>
    private sealed class Registration
    {
        public string Path { get; set; } = "";

        public Action<SqlAuditStoreOptions>? Configure { get; set; }

        public async ValueTask<IAuditStore> OpenAsync(IServiceProvider provider, CancellationToken cancellationToken)
        {
            var options = new SqlAuditStoreOptions { TimeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System };
            Configure?.Invoke(options);
            return await SqliteAuditStore.OpenAsync(Path, options, cancellationToken).ConfigureAwait(false);
        }
    }
}
