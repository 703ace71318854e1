using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Stores;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL audit store as the container's <see cref="IAuditStore"/>.</summary>
public static class PostgreSqlAuditStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IAuditStore"/> on the PostgreSQL database <paramref name="connectionString"/> names, which
    /// <c>services.AddMakerChecker(...)</c> and anything else resolving <see cref="IAuditStore"/> pick up. The store is a
    /// <see cref="DeferredAuditStore"/>: it is opened asynchronously on first use (a gate's first call or its
    /// <c>InitializeAsync</c>), never by blocking a thread, and the container disposes it (dispose the provider with
    /// <c>DisposeAsync</c>). Its clock is the container's <see cref="TimeProvider"/> if one is registered, else
    /// <see cref="TimeProvider.System"/>; <paramref name="configure"/> may set another.
    /// Safe to call twice: one store is registered, the last connection string wins and every <paramref name="configure"/>
    /// applies in order.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="configure">Adjusts the store's options; optional.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another <see cref="IAuditStore"/> is already registered: a gate writes to one log.</exception>
    public static IServiceCollection AddPostgreSqlAuditStore(
        this IServiceCollection services, string connectionString, Action<SqlAuditStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var registration = services.Where(d => !d.IsKeyedService).Select(d => d.ImplementationInstance).OfType<Registration>().FirstOrDefault();
        if (registration is null)
        {
            if (services.Any(d => d.ServiceType == typeof(IAuditStore)))
            {
                throw new InvalidOperationException(
                    "An IAuditStore is already registered, so AddPostgreSqlAuditStore would be a second log: register one audit store per container.");
            }
            registration = new Registration();
            services.AddSingleton(registration);
            services.TryAddSingleton<IAuditStore>(provider =>
                new DeferredAuditStore(cancellationToken => registration.OpenAsync(provider, cancellationToken)));
        }
        registration.ConnectionString = connectionString;
        registration.Configure += configure;
        return services;
    }

    /// <summary>
    /// Registers a singleton case store (<see cref="IRequestPayloadStore"/>) on the PostgreSQL database
    /// <paramref name="connectionString"/> names (<see cref="PostgreSqlRequestPayloadStore"/>), which
    /// <c>services.AddMakerChecker(...)</c> gives the gate, so that it keeps each request's payload for reviewers. The
    /// container disposes it. Safe to call twice: the last connection string wins.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddPostgreSqlRequestPayloadStore(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        services.RemoveAll<IRequestPayloadStore>();
        services.AddSingleton<IRequestPayloadStore>(_ => new PostgreSqlRequestPayloadStore(connectionString));
        return services;
    }

    /// <summary>What the calls to <see cref="AddPostgreSqlAuditStore"/> asked for, read when the store is first opened.</summary>
    private sealed class Registration
    {
        public string ConnectionString { get; set; } = "";

        public Action<SqlAuditStoreOptions>? Configure { get; set; }

        public async ValueTask<IAuditStore> OpenAsync(IServiceProvider provider, CancellationToken cancellationToken)
        {
            var options = new SqlAuditStoreOptions { TimeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System };
            Configure?.Invoke(options);
            return await PostgreSqlAuditStore.OpenAsync(ConnectionString, options, cancellationToken).ConfigureAwait(false);
        }
    }
}
