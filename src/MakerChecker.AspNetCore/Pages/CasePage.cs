using MakerChecker.Audit.Payloads;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>What the case page shows: the request, the gate in force, the payload as read from the case store, and the form state.</summary>
internal sealed record CaseView(
    ApprovalRequest Request, GateDefinition? Gate, RequestPayloadRead? Payload, string Reviewer, DateTimeOffset Now, DateTimeOffset? PresentedAt,
    string Root, string AntiforgeryField, string? AntiforgeryToken, string? Refused);

/// <summary>
/// The case page: the payload as approved (only when it verified against the request's digest), the proposer's basis,
/// the policy rule and hash, earlier sign-offs, and the Approve / Reject forms with the time left before
/// <c>min_review</c> allows a sign-off. Works without scripts; the countdown script only updates the numbers.
/// </summary>
internal static class CasePage
{
    public static string Render(CaseView v, string siteTitle)
    {
        var r = v.Request;
        var h = Layout.Begin($"Case {r.Id}", siteTitle, v.Root, v.Reviewer, "");
        h.Raw("<h1>").Text(r.Skill).Raw(" <span class=\"sub\">request ").Text(r.Id).Raw("</span></h1>\n");
        if (v.Refused is { } code)
        {
            h.Raw("<div class=\"alert\" role=\"alert\"><p><strong>Not signed.</strong> ").Text(RefusalText.For(code))
                .Raw("</p><p>Reason code: <code>").Text(code).Raw("</code></p></div>\n");
        }

        Facts(h, v);
        var verified = v.Payload is { Status: RequestPayloadStatus.Verified, Payload: { } payload };
        h.Raw("<section aria-labelledby=\"payload-h\"><h2 id=\"payload-h\">The case as it will run</h2>\n");
        if (verified)
        {
            h.Raw("<p class=\"digest\">Verified against the request's digest <code>").Text(r.PayloadDigest).Raw("</code>.</p>\n");
            PayloadView.Render(h, v.Payload!.Payload!);
        }
        else
        {
            Unverified(h, v);
        }
        h.Raw("</section>\n");

        Basis(h, r);
        SignOffs(h, r);
        if (verified) Forms(h, v);
        return Layout.End(h);
    }

    private static void Facts(Html h, CaseView v)
    {
        var r = v.Request;
        var approvals = r.SignOffs.Count(s => s.Approved);
        var needed = Math.Max(v.Gate?.Approvers ?? r.RequiredApprovals, r.RequiredApprovals) - approvals;
        h.Raw("<dl class=\"facts\">")
            .Raw("<dt>Requested by</dt><dd>").Text(r.RequesterId).Raw("</dd>")
            .Raw("<dt>Requested</dt><dd><time datetime=\"").Attr(Html.Iso(r.RequestedAt)).Raw("\">").Text(Html.Time(r.RequestedAt)).Raw("</time> (")
            .Text(Html.Duration(v.Now - r.RequestedAt)).Raw(" ago)</dd>")
            .Raw("<dt>Expires</dt><dd><span data-countdown=\"").Attr(Html.Iso(r.ExpiresAt)).Raw("\">in ").Text(Html.Duration(r.ExpiresAt - v.Now))
            .Raw("</span> (").Text(Html.Time(r.ExpiresAt)).Raw(")</dd>")
            .Raw("<dt>Sign-offs still needed</dt><dd>").Text(Math.Max(needed, 0)).Raw(" of ").Text(r.RequiredApprovals).Raw("</dd>")
            .Raw("<dt>Policy rule</dt><dd><code>").Text(Html.Rule(r.Rule)).Raw("</code></dd>")
            .Raw("<dt>Policy hash</dt><dd><code class=\"hash\">").Text(r.PolicyHash).Raw("</code></dd>")
            .Raw("</dl>\n");
    }

    private static void Unverified(Html h, CaseView v)
    {
        var (heading, text) = v.Payload?.Status switch
        {
            RequestPayloadStatus.IntegrityFailure => ("Integrity failure: this is not the case as requested",
                "The payload in the case store no longer matches the digest this request is bound to in the audit log, so it is not shown. "
                + "Do not sign: report it to whoever runs the case store."),
            RequestPayloadStatus.Missing => ("The case is not available",
                "The case store holds no payload for this request's digest, so there is nothing to review. Do not sign."),
            _ => ("The case is not available", "This server keeps no case store, so the payload cannot be shown. Do not sign."),
        };
        h.Raw("<div class=\"alert integrity\" role=\"alert\"><h3>").Text(heading).Raw("</h3><p>").Text(text).Raw("</p>");
        h.Raw("<p>Bound digest: <code>").Text(v.Request.PayloadDigest).Raw("</code></p>");
        if (v.Payload?.Problem is { } problem) h.Raw("<p>").Text(problem).Raw("</p>");
        h.Raw("</div>\n");
    }

    private static void Basis(Html h, ApprovalRequest r)
    {
        h.Raw("<section aria-labelledby=\"basis-h\"><h2 id=\"basis-h\">The proposer's basis</h2>\n");
        if (r.Basis is not { } b)
        {
            h.Raw("<p>The proposer stated no basis.</p></section>\n");
            return;
        }
        h.Raw("<dl class=\"facts\">")
            .Raw("<dt>Rule</dt><dd>").Text(b.RuleId ?? "(not given)").Raw("</dd>")
            .Raw("<dt>Model or rule-set version</dt><dd>").Text(b.ModelVersion ?? "(not given)").Raw("</dd>")
            .Raw("<dt>Dataset digest</dt><dd><code class=\"hash\">").Text(b.DatasetDigest ?? "(not given)").Raw("</code></dd>")
            .Raw("<dt>Reason</dt><dd><bdi>").Text(b.Reason ?? "(not given)").Raw("</bdi></dd>")
            .Raw("</dl></section>\n");
    }

    private static void SignOffs(Html h, ApprovalRequest r)
    {
        h.Raw("<section aria-labelledby=\"signoffs-h\"><h2 id=\"signoffs-h\">Earlier sign-offs</h2>\n");
        if (r.SignOffs.Count == 0)
        {
            h.Raw("<p>None yet.</p></section>\n");
            return;
        }
        h.Raw("<ul class=\"signoffs\">");
        foreach (var s in r.SignOffs)
        {
            h.Raw("<li><strong>").Text(s.ReviewerId).Raw("</strong> ").Text(s.Approved ? "approved" : "rejected").Raw(" at ").Text(Html.Time(s.DecidedAt));
            if (s.Dwell is { } dwell) h.Raw(" after ").Text(Html.Duration(dwell)).Raw(" with the case");
            if (s.Reason is { Length: > 0 } reason) h.Raw(": <q><bdi>").Text(reason).Raw("</bdi></q>");
            h.Raw("</li>");
        }
        h.Raw("</ul></section>\n");
    }

    private static void Forms(Html h, CaseView v)
    {
        var action = v.Root + "/requests/" + Uri.EscapeDataString(v.Request.Id);
        h.Raw("<section aria-labelledby=\"sign-h\"><h2 id=\"sign-h\">Your sign-off</h2>\n");
        if (v.Gate is { } gate && gate.MinReview > TimeSpan.Zero && v.PresentedAt is { } shown)
        {
            var until = shown + gate.MinReview;
            var left = until - v.Now;
            h.Raw("<p class=\"min-review\">The gate requires at least ").Text(Html.Duration(gate.MinReview)).Raw(" with the case before you sign. ");
            if (left > TimeSpan.Zero)
            {
                h.Raw("<span data-countdown=\"").Attr(Html.Iso(until)).Raw("\" data-done=\"You may sign now.\">Time remaining: ")
                    .Text(Html.Duration(left + TimeSpan.FromSeconds(0.999))).Raw("</span>");
            }
            else
            {
                h.Raw("You may sign now.");
            }
            h.Raw("</p>\n");
        }

        h.Raw("<div class=\"forms\"><form method=\"post\" action=\"").Attr(action).Raw("/approve\">\n");
        Layout.Antiforgery(h, v.AntiforgeryField, v.AntiforgeryToken);
        h.Raw("<label for=\"approve-note\">Note (optional)</label>\n<textarea id=\"approve-note\" name=\"reason\" rows=\"2\" maxlength=\"2000\"></textarea>\n")
            .Raw("<button type=\"submit\" class=\"approve\">Approve</button>\n</form>\n");
        h.Raw("<form method=\"post\" action=\"").Attr(action).Raw("/reject\">\n");
        Layout.Antiforgery(h, v.AntiforgeryField, v.AntiforgeryToken);
        h.Raw("<label for=\"reject-reason\">Reason for rejecting (required)</label>\n")
            .Raw("<textarea id=\"reject-reason\" name=\"reason\" rows=\"3\" maxlength=\"2000\" required></textarea>\n")
            .Raw("<button type=\"submit\" class=\"reject\">Reject</button>\n</form></div>\n</section>\n");
    }
}
