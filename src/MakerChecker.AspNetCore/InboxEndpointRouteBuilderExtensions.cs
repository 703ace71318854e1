using MakerChecker.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Mounts the reviewer's inbox in an ASP.NET Core app.</summary>
public static class InboxEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the inbox under <paramref name="prefix"/>: the queue (<c>GET {prefix}/</c>), the case page
    /// (<c>GET {prefix}/requests/{id}</c>, which records <c>approval.presented</c> when it shows a verified case), sign-off
    /// (<c>POST {prefix}/requests/{id}/approve</c> and <c>/reject</c>), break-glass review (<c>GET</c> and
    /// <c>POST {prefix}/break-glass</c>), the supervisor view (<c>GET {prefix}/supervisor</c>) and the package's own
    /// stylesheet and countdown script (<c>{prefix}/assets/</c>). Every response carries a Content-Security-Policy without
    /// <c>unsafe-inline</c> or external sources, <c>X-Content-Type-Options: nosniff</c> and frame denial. Needs
    /// <c>services.AddMakerCheckerInbox()</c> and <c>services.AddMakerChecker(...)</c>.
    /// </summary>
    /// <param name="endpoints">The app's endpoint builder.</param>
    /// <param name="prefix">Where the inbox lives. <value>The default value is <c>/review</c>.</value></param>
    /// <returns>The inbox's route group, so that the host can add <c>.RequireAuthorization(...)</c> and other conventions.</returns>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> does not start with <c>/</c> or ends with one.</exception>
    public static RouteGroupBuilder MapMakerCheckerInbox(this IEndpointRouteBuilder endpoints, string prefix = "/review")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!prefix.StartsWith('/') || (prefix.Length > 1 && prefix.EndsWith('/')))
        {
            throw new ArgumentException($"The inbox prefix '{prefix}' must start with '/' and not end with one, for example '/review'.", nameof(prefix));
        }

        var root = prefix == "/" ? "" : prefix;
        var handlers = new InboxEndpoints(root);
        var group = endpoints.MapGroup(root);
        group.AddEndpointFilter(SecurityHeaders.Filter);
        group.MapGet("/", handlers.QueueAsync);
        group.MapGet("/requests/{id}", handlers.CaseAsync);
        group.MapPost("/requests/{id}/approve",
            (HttpContext ctx, InboxContext inbox, IAntiforgery af, string id) => handlers.SignAsync(ctx, inbox, af, id, approve: true));
        group.MapPost("/requests/{id}/reject",
            (HttpContext ctx, InboxContext inbox, IAntiforgery af, string id) => handlers.SignAsync(ctx, inbox, af, id, approve: false));
        group.MapGet("/break-glass", handlers.BreakGlassAsync);
        group.MapPost("/break-glass/{id}", handlers.ReviewBreakGlassAsync);
        group.MapGet("/supervisor", handlers.SupervisorAsync);
        group.MapGet("/assets/inbox.css", () => InboxAssets.Css);
        group.MapGet("/assets/countdown.js", () => InboxAssets.Script);
        return group;
    }
}
