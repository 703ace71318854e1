using Microsoft.AspNetCore.Http;

namespace MakerChecker.AspNetCore;

/// <summary>
/// The headers on every inbox response: a Content-Security-Policy that allows only the inbox's own stylesheet and
/// script (no <c>unsafe-inline</c>, no external URL, no framing, forms posting only back to the inbox), no MIME
/// sniffing, no referrer, and no caching of pages that show cases.
/// </summary>
internal static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return next(context);
    }
}
