using MakerChecker.Audit.Payloads;
using MakerChecker.AspNetCore.Pages;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace MakerChecker.AspNetCore;

/// <summary>
/// The inbox's request handlers. Who acts is only ever <see cref="InboxContext.ReviewerOf"/> (the authenticated user's
/// configured claim); a request the reviewer may not sign is answered 404 whatever the reason, so the inbox never
/// tells a reviewer about a case they may not see. Every POST checks the antiforgery token first (400 without it).
/// </summary>
internal sealed class InboxEndpoints(string prefix)
{
    /// <summary>Refusals that mean "not yours to sign": answered 404, like a request that does not exist.</summary>
    private static readonly HashSet<string> NotYours =
    [
        ReasonCodes.RequestNotFound, ReasonCodes.PrincipalUnknown, ReasonCodes.PrincipalInactive, ReasonCodes.AgentCannotApprove,
        ReasonCodes.ApproverNotEligible, ReasonCodes.RequesterCannotApprove, ReasonCodes.OwnerCannotApprove, ReasonCodes.AlreadySigned,
    ];

    public async Task<IResult> QueueAsync(HttpContext ctx, InboxContext inbox)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        await inbox.Gate.RefreshAsync(ctx.RequestAborted).ConfigureAwait(false);
        var skill = ctx.Request.Query["skill"].ToString() is { Length: > 0 } s ? s : null;
        var size = inbox.Options.PageSize;
        var requested = int.TryParse(ctx.Request.Query["page"], out var p) ? Math.Clamp(p, 1, 1_000_000) : 1;
        var queue = inbox.Gate.GetReviewerQueuePage(reviewer, skill, (requested - 1) * size, size);
        var pages = Math.Max(1, (queue.Total + size - 1) / size);
        if (requested > pages) queue = inbox.Gate.GetReviewerQueuePage(reviewer, skill, (pages - 1) * size, size); // past the end: the last page
        var page = Math.Min(requested, pages);
        var skills = queue.Skills.Keys.Order(StringComparer.Ordinal).ToList();
        var signed = ctx.Request.Query["signed"].ToString() is { Length: > 0 and <= 100 } id && inbox.Gate.GetRequest(id) is not null ? id : null;
        var view = new QueueView(
            queue.Page, queue.Total, page, pages, skill, skills, inbox.Gate.CountRequests(), reviewer, inbox.Time.GetUtcNow(), Root(ctx), signed);
        return Page(QueuePage.Render(view, inbox.Options.Title));
    }

    public async Task<IResult> CaseAsync(HttpContext ctx, InboxContext inbox, IAntiforgery antiforgery, string id)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        await inbox.Gate.RefreshAsync(ctx.RequestAborted).ConfigureAwait(false);
        if (inbox.Gate.CheckSigner(id, reviewer) is { } barred) return NoCase(ctx, inbox, reviewer, barred);

        var request = inbox.Gate.GetRequest(id)!;
        var payload = inbox.Cases is { } cases ? await RequestPayloads.ReadAsync(cases, request.PayloadDigest, ctx.RequestAborted).ConfigureAwait(false) : null;
        if (payload?.Status == RequestPayloadStatus.Verified)
        {
            // The case is about to be shown: presentation is recorded by the server, now, and only for a case it can show.
            var presented = await inbox.Gate.PresentAsync(id, reviewer, ctx.RequestAborted).ConfigureAwait(false);
            if (presented.IsRefused) return NoCase(ctx, inbox, reviewer, presented.ReasonCode);
            request = presented.Request ?? request;
        }

        var shown = request.Presentations.FirstOrDefault(x => x.ReviewerId == reviewer)?.PresentedAt;
        var tokens = antiforgery.GetAndStoreTokens(ctx);
        var refused = ctx.Request.Query["refused"].ToString() is { Length: > 0 } code && RefusalText.IsKnown(code) ? code : null;
        var view = new CaseView(request, inbox.Gate.GetGateInForce(id), payload, reviewer, inbox.Time.GetUtcNow(), shown, Root(ctx),
            tokens.FormFieldName, tokens.RequestToken, refused);
        return Page(CasePage.Render(view, inbox.Options.Title));
    }

    public async Task<IResult> SignAsync(HttpContext ctx, InboxContext inbox, IAntiforgery antiforgery, string id, bool approve)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        if (!await antiforgery.IsRequestValidAsync(ctx).ConfigureAwait(false)) return BadForm(ctx, inbox, reviewer);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        var reason = form["reason"].ToString() is { Length: > 0 } r && !string.IsNullOrWhiteSpace(r) ? r : null;
        var result = approve
            ? await inbox.Gate.ApproveAsync(id, reviewer, reason, ctx.RequestAborted).ConfigureAwait(false)
            : await inbox.Gate.RejectAsync(id, reviewer, reason ?? "", ctx.RequestAborted).ConfigureAwait(false);
        if (!result.IsRefused) return Results.Redirect(Root(ctx) + "/?signed=" + Uri.EscapeDataString(id));
        if (NotYours.Contains(result.ReasonCode)) return NoCase(ctx, inbox, reviewer, result.ReasonCode);
        return Results.Redirect(Root(ctx) + "/requests/" + Uri.EscapeDataString(id) + "?refused=" + Uri.EscapeDataString(result.ReasonCode));
    }

    public async Task<IResult> BreakGlassAsync(HttpContext ctx, InboxContext inbox, IAntiforgery antiforgery)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        await inbox.Gate.RefreshAsync(ctx.RequestAborted).ConfigureAwait(false);
        var tokens = antiforgery.GetAndStoreTokens(ctx);
        var refused = ctx.Request.Query["refused"].ToString() is { Length: > 0 } code && RefusalText.IsKnown(code) ? code : null;
        var uses = inbox.Gate.GetBreakGlassForReview();
        var reviewed = ctx.Request.Query["reviewed"].ToString() is { Length: > 0 and <= 100 } id ? id : null;
        return Page(BreakGlassPage.Render(uses, reviewer, inbox.Time.GetUtcNow(), Root(ctx), tokens.FormFieldName, tokens.RequestToken, refused,
            reviewed, inbox.Options.Title));
    }

    public async Task<IResult> ReviewBreakGlassAsync(HttpContext ctx, InboxContext inbox, IAntiforgery antiforgery, string id)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        if (!await antiforgery.IsRequestValidAsync(ctx).ConfigureAwait(false)) return BadForm(ctx, inbox, reviewer);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        BreakGlassVerdict? verdict = form["verdict"].ToString() switch
        {
            "accepted" => BreakGlassVerdict.Accepted,
            "escalated" => BreakGlassVerdict.Escalated,
            _ => null,
        };
        if (verdict is null) return BadForm(ctx, inbox, reviewer);
        var reason = form["reason"].ToString() is { Length: > 0 } r && !string.IsNullOrWhiteSpace(r) ? r : null;
        var result = await inbox.Gate.ReviewBreakGlassAsync(id, reviewer, verdict.Value, reason, ctx.RequestAborted).ConfigureAwait(false);
        var query = result.IsRefused ? "?refused=" + Uri.EscapeDataString(result.ReasonCode) : "?reviewed=" + Uri.EscapeDataString(id);
        return Results.Redirect(Root(ctx) + "/break-glass" + query);
    }

    public async Task<IResult> SupervisorAsync(HttpContext ctx, InboxContext inbox)
    {
        if (Who(ctx, inbox) is not { } reviewer) return Unidentified(ctx, inbox);
        var policy = inbox.Gate.Policy;
        if (!policy.TryGetPrincipal(reviewer, out var principal) || !inbox.Options.SupervisorRoles.Contains(principal.Role))
        {
            return Page(Layout.Message("Supervisor", inbox.Options.Title, Root(ctx), reviewer, "Supervisors only",
                "The supervisor view is open to the roles the host configured (InboxOptions.SupervisorRoles); yours is not one of them."), 403);
        }
        if (inbox.Log is not { } log)
        {
            return Page(Layout.Message("Supervisor", inbox.Options.Title, Root(ctx), reviewer, "No audit log to read",
                "The supervisor view reads the audit log given to AddMakerChecker (MakerCheckerOptions.AuditStore) or registered as IAuditStore; "
                + "neither is available here."), 503);
        }
        var days = int.TryParse(ctx.Request.Query["days"], out var d) ? Math.Clamp(d, 1, 90) : inbox.Options.SupervisorDays;
        var now = inbox.Time.GetUtcNow();
        var since = now - TimeSpan.FromDays(days);
        var report = await SupervisorReport.ReadAsync(log, since, now, ctx.RequestAborted).ConfigureAwait(false);
        return Page(SupervisorPage.Render(report, days, since, reviewer, Root(ctx), inbox.Options.Title));
    }

    private string Root(HttpContext ctx) => ctx.Request.PathBase.Value + prefix;

    private static string? Who(HttpContext ctx, InboxContext inbox) => inbox.ReviewerOf(ctx.User);

    /// <summary>Not signed in: the host's authentication challenges. Signed in without the configured claim: 403, saying which claim.</summary>
    private IResult Unidentified(HttpContext ctx, InboxContext inbox) =>
        ctx.User.Identity?.IsAuthenticated == true
            ? Page(Layout.Message("Forbidden", inbox.Options.Title, Root(ctx), null, "Who are you?",
                $"You are signed in, but without the claim '{inbox.Options.PrincipalClaimType}' that names your principal in the policy, so the inbox "
                + "cannot tell who would sign. Ask whoever runs the sign-in to issue it."), 403)
            : Results.Challenge();

    private IResult NoCase(HttpContext ctx, InboxContext inbox, string reviewer, string code)
    {
        // Closed and expired requests say so (the reviewer was eligible); anything else is plainly not found.
        var text = code is ReasonCodes.RequestClosed or ReasonCodes.RequestExpired or ReasonCodes.GateRemoved ? RefusalText.For(code) : null;
        return Page(Layout.Message("Not found", inbox.Options.Title, Root(ctx), reviewer, "No case to review",
            text ?? "There is no case with this id waiting for your sign-off.", text is null ? null : code), 404);
    }

    private IResult BadForm(HttpContext ctx, InboxContext inbox, string reviewer) =>
        Page(Layout.Message("Bad request", inbox.Options.Title, Root(ctx), reviewer, "The form could not be accepted",
            "The form was missing its antiforgery token or a required field, so nothing was recorded. Reload the page and try again."), 400);

    private static IResult Page(string html, int status = 200) => Results.Content(html, "text/html; charset=utf-8", null, status);
}
