using System.Security.Claims;
using System.Text.Encodings.Web;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ReviewerInbox;

/// <summary>
/// DEVELOPMENT ONLY: a sign-in page that lists the policy's human principals and signs you in as one with a click. It
/// exists so that the demo runs without an identity provider. A real host uses its own authentication (OpenID Connect,
/// Windows, ...) and maps the user's id claim to the principal id (<c>InboxOptions.PrincipalClaimType</c>).
/// </summary>
public static class DevSignIn
{
    public const string Path = "/dev/signin";

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, (HttpContext ctx, ApprovalGate gate, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(ctx);
            var e = HtmlEncoder.Default;
            var rows = string.Concat(gate.Policy.Principals.Values.Where(p => p.Kind == PrincipalKind.Human).OrderBy(p => p.Id, StringComparer.Ordinal)
                .Select(p => $"<li><form method=\"post\" action=\"{Path}\"><input type=\"hidden\" name=\"{e.Encode(tokens.FormFieldName)}\" " +
                    $"value=\"{e.Encode(tokens.RequestToken!)}\"><button type=\"submit\" name=\"as\" value=\"{e.Encode(p.Id)}\">Sign in as " +
                    $"{e.Encode(p.Id)}</button> <span>({e.Encode(p.Role)})</span></form></li>"));
            var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
                "<title>Development sign-in</title><link rel=\"stylesheet\" href=\"/review/assets/inbox.css\"></head><body><main>" +
                "<div class=\"alert\" role=\"note\"><p><strong>Development only.</strong> This page signs you in as any demo reviewer without a " +
                "password. A real deployment uses the host's own authentication.</p></div><h1>Sign in as a demo reviewer</h1>" +
                $"<ul class=\"signin\">{rows}</ul></main></body></html>";
            ctx.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'";
            return Results.Content(html, "text/html; charset=utf-8");
        });

        app.MapPost(Path, async (HttpContext ctx, ApprovalGate gate, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(ctx)) return Results.BadRequest("The sign-in form's antiforgery token is missing or invalid.");
            var form = await ctx.Request.ReadFormAsync();
            var id = form["as"].ToString();
            if (!gate.Policy.TryGetPrincipal(id, out var principal) || principal.Kind != PrincipalKind.Human)
            {
                return Results.BadRequest("Choose one of the listed demo reviewers.");
            }
            var identity = new ClaimsIdentity([ReviewerInboxApp.ReviewerClaim(principal.Id)], CookieAuthenticationDefaults.AuthenticationScheme);
            await ctx.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Redirect("/review/");
        });
    }
}
