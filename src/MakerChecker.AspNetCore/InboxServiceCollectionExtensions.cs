using MakerChecker.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the reviewer's inbox (<see cref="Microsoft.AspNetCore.Builder.InboxEndpointRouteBuilderExtensions.MapMakerCheckerInbox"/>).</summary>
public static class InboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the inbox's options (validated at start) and antiforgery. The inbox also needs the gate
    /// (<c>services.AddMakerChecker(...)</c>) and, to show cases, a case store (<c>IRequestPayloadStore</c>, for example
    /// <c>services.AddSqliteRequestPayloadStore(...)</c>); the host supplies authentication. Safe to call twice: later
    /// configuration applies on top of earlier.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; optional.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddMakerCheckerInbox(this IServiceCollection services, Action<InboxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<InboxOptions>().ValidateDataAnnotations().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.AddAntiforgery();
        services.TryAddSingleton<InboxContext>();
        return services;
    }
}
