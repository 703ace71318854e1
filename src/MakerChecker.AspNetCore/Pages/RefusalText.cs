using MakerChecker.Decisions;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>
/// The sentence a reviewer reads for a refused sign-off or review, by reason code. The page shows it with the code; the
/// code is looked up, never echoed from the query string as text, so a crafted link cannot put words on the page.
/// </summary>
internal static class RefusalText
{
    /// <summary>Whether the page has a sentence of its own for <paramref name="code"/> (only such codes are taken from a query string).</summary>
    public static bool IsKnown(string code) => For(code) != Generic;

    private const string Generic = "The gate refused the action.";

    public static string For(string code) => code switch
    {
        ReasonCodes.ReviewTooFast => "Signed too soon after the case was shown: the gate requires a minimum review time. Read the case; "
            + "the page shows how long remains.",
        ReasonCodes.NotPresented => "The case was not shown to you before you signed. Open the case, review it, then sign.",
        ReasonCodes.ReasonRequired => "A rejection needs a reason. Say why the request should not go ahead.",
        ReasonCodes.AlreadySigned => "You have already signed this request; each sign-off must come from a different reviewer.",
        ReasonCodes.RequestExpired => "The request expired before it was signed. It can no longer be signed; the requester must ask again.",
        ReasonCodes.RequestClosed => "The request is closed (rejected, running or done): it accepts no further sign-off.",
        ReasonCodes.RequesterCannotApprove => "You opened this request, and the gate forbids the requester from signing it.",
        ReasonCodes.OwnerCannotApprove => "You own the agent that opened this request (or it owns you): separation of duties bars you from signing it.",
        ReasonCodes.ApproverNotEligible => "Your role is not among the gate's approver roles.",
        ReasonCodes.PrincipalInactive => "Your principal is suspended or retired, so you may not sign.",
        ReasonCodes.GateRemoved => "The policy in force no longer gates this skill, so the request cannot be signed.",
        ReasonCodes.PolicySuperseded => "A newer policy is in force on the shared log than this server holds; try again once it has been activated here.",
        ReasonCodes.BreakGlassReviewNotAllowed => "You may not review this break-glass use: only an eligible approver of the skill's gate, other than "
            + "whoever broke the glass, may.",
        ReasonCodes.BreakGlassAlreadyReviewed => "This break-glass use was already reviewed.",
        ReasonCodes.BreakGlassNotFound => "No such break-glass use is in the log.",
        _ => Generic,
    };
}
