using System.Globalization;
using MakerChecker.Limits;

namespace MakerChecker.Decisions;

/// <summary>
/// The human sentences for decisions: what happened and, for a refusal, how to fix it. Every gate result's message
/// comes from here. Kept apart so that evaluation never formats text it may not need.
/// </summary>
internal static class DecisionMessages
{
    public static string Describe(in Decision d) => d.Stage switch
    {
        DecisionStage.Present or DecisionStage.SignOff or DecisionStage.Execute =>
            ForRequestStep(d.ReasonCode, d.PrincipalId, d.Subject ?? "", d.Detail) ?? ForInvocation(d),
        _ => ForInvocation(d),
    };

    /// <summary>
    /// The sentence for a refusal or step on a request, or <see langword="null"/> when the code is an invocation's
    /// (a limit judged again at execution), which <see cref="ForInvocation"/> explains.
    /// </summary>
    public static string? ForRequestStep(string code, string who, string requestId, string? detail) => code switch
    {
        ReasonCodes.Presented => $"Request {requestId} was presented to '{who}'.",
        ReasonCodes.SignedOff => $"'{who}' signed request {requestId} ({detail}).",
        ReasonCodes.Executed => $"Request {requestId} ran for '{who}'.",
        ReasonCodes.RequestNotFound => $"No request {requestId} exists. Check the id returned when the request was opened.",
        ReasonCodes.RequestClosed => $"Request {requestId} is {detail}: it accepts no further sign-off. Invoke the skill again for a new request.",
        ReasonCodes.RequestExpired => $"Request {requestId} expired at {detail}. Invoke the skill again for a new request.",
        ReasonCodes.GateRemoved => $"The policy in force no longer gates the grant of request {requestId}; invoke the skill again.",
        ReasonCodes.PrincipalUnknown => $"No principal '{who}' is known. Declare it in the policy or register it at run time.",
        ReasonCodes.PrincipalInactive => $"'{who}' is not active, so it may neither act nor sign.",
        ReasonCodes.RoleUnknown => $"The role of '{who}' is not in the policy in force.",
        ReasonCodes.SkillForbidden => $"The role of '{who}' now forbids the skill of request {requestId}.",
        ReasonCodes.SkillNotGranted => $"The role of '{who}' no longer has the grant request {requestId} was opened under.",
        ReasonCodes.HighRiskRequiresGate => $"The grant of request {requestId} is high risk without a gate covering every invocation.",
        ReasonCodes.AgentCannotApprove => $"'{who}' is an agent, and the gate does not allow agent approvers. A human with an approver role must sign.",
        ReasonCodes.ApproverNotEligible => $"'{who}' does not hold an approver role of the gate ({detail}).",
        ReasonCodes.RequesterCannotApprove => $"'{who}' opened request {requestId} and may not sign it (forbid_requester). Another approver must sign.",
        ReasonCodes.OwnerCannotApprove =>
            $"'{who}' and the requester of {requestId} are an agent and its owner; separation of duties bars the one from signing for the other.",
        ReasonCodes.AlreadySigned => $"'{who}' has already signed request {requestId}; each sign-off must come from a distinct approver.",
        ReasonCodes.NotPresented => $"Request {requestId} was never presented to '{who}'. Present the case to the reviewer before they sign.",
        ReasonCodes.ReviewTooFast =>
            $"'{who}' signed request {requestId} {detail} after it was presented, sooner than the gate's min_review. Review the case and sign again.",
        ReasonCodes.ReasonRequired => $"A rejection of request {requestId} needs a reason.",
        ReasonCodes.NotApproved => $"Request {requestId} has {detail} valid approvals. It runs once enough eligible, active approvers have signed.",
        ReasonCodes.NotRequester => $"Only the requester may execute request {requestId}; '{who}' is not the requester.",
        ReasonCodes.PayloadMismatch =>
            $"The payload offered differs from the one request {requestId} was approved for (digest {detail}). "
            + "Run exactly the approved payload, or open a new request.",
        ReasonCodes.AlreadyExecuted when detail == "executing" =>
            $"Request {requestId} has started and has no recorded outcome; an approval authorises one execution. If its run was interrupted, "
            + "an eligible approver records what happened with ResolveOutcomeAsync.",
        ReasonCodes.AlreadyExecuted => $"Request {requestId} has already run ({detail}); an approval authorises one execution.",
        ReasonCodes.IdempotencyKeyReused =>
            $"'{who}' already used idempotency key '{detail}' for another skill or payload ({requestId}). Use a new key for a new call.",
        ReasonCodes.AlreadyInvoked => $"The call with this idempotency key was allowed as {requestId}, and its action {detail}; it is not run again.",
        ReasonCodes.OutcomeResolved => $"'{who}' resolved the outcome of {requestId} as {detail}.",
        ReasonCodes.NothingToResolve => $"{requestId} has no action that started without a recorded outcome ({detail}), so there is nothing to resolve.",
        ReasonCodes.ResolutionNotAllowed => $"'{who}' may not resolve the outcome of {requestId}: {detail}.",
        ReasonCodes.BreakGlassReviewed => $"'{who}' reviewed break-glass use {requestId}: {detail}.",
        ReasonCodes.BreakGlassNotFound => $"No break-glass use {requestId} is in the audit log. Check the invocation id listed for review.",
        ReasonCodes.BreakGlassAlreadyReviewed => $"Break-glass use {requestId} was already reviewed ({detail}); a use is reviewed once.",
        ReasonCodes.BreakGlassReviewNotAllowed => $"'{who}' may not review break-glass use {requestId}: {detail}.",
        ReasonCodes.PolicySuperseded =>
            $"Policy {detail} was activated on the shared audit log after the one this gate holds, so '{who}' gets no decision on {requestId} here. "
            + "Activate that policy on this instance (ActivatePolicyAsync), then retry.",
        ReasonCodes.PolicyActivated => $"'{who}' put policy {requestId} in force.",
        ReasonCodes.PolicyChangeRequiresApproval =>
            $"The policy in force governs its own replacement (policy.changes), so policy {requestId} cannot be activated directly. "
            + "Propose it (ProposePolicyAsync), have it approved, then activate it (ActivateApprovedPolicyAsync); or break the glass if a role may.",
        ReasonCodes.PolicyChangeNotAllowed => $"'{who}' may not propose policy {requestId}: {detail}.",
        ReasonCodes.PolicyUnchanged => $"Policy {requestId} is the policy in force; there is nothing to change.",
        ReasonCodes.NotAPolicyChange => $"Request {requestId} is not a policy change request (it gates {detail}).",
        ReasonCodes.AppealRecorded => $"'{who}' recorded the appeal outcome of request {requestId}: {detail}.",
        ReasonCodes.AppealNotApplicable => $"No appeal outcome can be recorded for request {requestId}: {detail}.",
        ReasonCodes.BreakGlassNotAllowed => $"'{who}' may not break the glass for {requestId}: {detail}.",
        ReasonCodes.JustificationRequired => $"Break-glass for {requestId} needs a justification; it is recorded and reviewed afterwards.",
        _ => null,
    };

    /// <summary>The sentence for an outcome or refusal on a request or invocation, by code (a generic one for a code without its own).</summary>
    public static string Describe(string code, string who, string id, string? detail = null) =>
        ForRequestStep(code, who, id, detail) ?? $"{code}: {id}, '{who}'.";

    private static string ForInvocation(in Decision d)
    {
        var p = d.PrincipalId;
        var s = d.Skill;
        var rule = d.HasRule ? d.Rule.ToString() : "the policy";
        return d.ReasonCode switch
        {
            ReasonCodes.Allowed => $"'{p}' may run {s} now, under the grant at {rule}.",
            ReasonCodes.ApprovalRequired => $"{s} needs approval before it runs: the gate at {rule} requires {d.Grant?.Gate?.Approvers ?? 1} sign-off(s).",
            ReasonCodes.SampledForReview => $"{s} was sampled for review by the gate at {rule}; it runs once approved.",
            ReasonCodes.BreakGlass => $"'{p}' ran {s} under break-glass (gate at {rule}); it is listed for mandatory review.",
            ReasonCodes.BreakGlassNotAllowed => $"'{p}' may not break the glass here: {d.Detail}.",
            ReasonCodes.JustificationRequired => "Break-glass needs a justification; it is recorded and reviewed afterwards.",
            ReasonCodes.PrincipalUnknown => $"No principal '{p}' is known. Declare it in the policy or register it at run time.",
            ReasonCodes.PrincipalInactive => $"'{p}' is not active, so it may neither act nor sign. Reactivate it in the policy ({rule}) if that is intended.",
            ReasonCodes.RoleUnknown => $"The role of '{p}' is not in the policy in force. Give the principal a role the policy declares.",
            ReasonCodes.SkillMalformed => $"'{s}' is not a skill id: write name@version, for example coverage.deny@1.",
            ReasonCodes.SkillForbidden => $"The role of '{p}' forbids {s} at {rule}; a prohibition wins over any grant.",
            ReasonCodes.SkillNotGranted =>
                $"The role of '{p}' (declared at {rule}) has no grant for exactly {s}. Add a grant for this version if it is intended.",
            ReasonCodes.HighRiskRequiresGate =>
                $"The grant for {s} at {rule} is high risk but has no gate covering every invocation, so it is refused. Add a gate.",
            ReasonCodes.LimitExceeded when d.Limit == LimitKind.Amount => $"The amount in the payload is above the max_amount of the limit at {rule} for {s}.",
            ReasonCodes.LimitExceeded => $"'{p}' has reached the {LimitName(d.Limit)} ceiling of the limit at {rule} for {s}. Try again later.",
            ReasonCodes.LimitAmountUnreadable =>
                $"The limit at {rule} reads the amount from the payload's '{d.Grant?.Limits?.AmountField}', which is missing or not a number.",
            _ => string.Create(CultureInfo.InvariantCulture, $"{d.Outcome}: {d.ReasonCode} for '{p}' running {s} ({rule})."),
        };
    }

    private static string LimitName(LimitKind kind) => kind switch
    {
        LimitKind.PerMinute => "per-minute",
        LimitKind.PerHour => "per-hour",
        LimitKind.PerDay => "per-day",
        _ => "amount",
    };
}
