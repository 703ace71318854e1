using MakerChecker.Decisions;

namespace MakerChecker.Gates;

/// <summary>The human sentences for presentation, sign-off and execution results: what happened and how to fix it.</summary>
internal static class GateMessages
{
    public static string Describe(string code, string who, string requestId, string? detail = null) => code switch
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
        ReasonCodes.OwnerCannotApprove => $"'{who}' and the requester of {requestId} are an agent and its owner; separation of duties bars the one from signing for the other.",
        ReasonCodes.AlreadySigned => $"'{who}' has already signed request {requestId}; each sign-off must come from a distinct approver.",
        ReasonCodes.NotPresented => $"Request {requestId} was never presented to '{who}'. Present the case to the reviewer before they sign.",
        ReasonCodes.ReviewTooFast => $"'{who}' signed request {requestId} {detail} after it was presented, sooner than the gate's min_review. Review the case and sign again.",
        ReasonCodes.ReasonRequired => $"A rejection of request {requestId} needs a reason.",
        ReasonCodes.NotApproved => $"Request {requestId} has {detail} valid approvals. It runs once enough eligible, active approvers have signed.",
        ReasonCodes.NotRequester => $"Only the requester may execute request {requestId}; '{who}' is not the requester.",
        ReasonCodes.PayloadMismatch => $"The payload offered differs from the one request {requestId} was approved for (digest {detail}). Run exactly the approved payload, or open a new request.",
        ReasonCodes.AlreadyExecuted when detail == "executing" =>
            $"Request {requestId} has started and has no recorded outcome; an approval authorises one execution. If its run was interrupted, " +
            "an eligible approver records what happened with ResolveOutcomeAsync.",
        ReasonCodes.AlreadyExecuted => $"Request {requestId} has already run ({detail}); an approval authorises one execution.",
        ReasonCodes.BreakGlassNotAllowed => $"'{who}' may not break the glass here: {detail}.",
        ReasonCodes.JustificationRequired => "Break-glass needs a justification; it is recorded and reviewed afterwards.",
        ReasonCodes.PolicySuperseded => $"Policy {detail} was activated on the shared audit log after the one this gate holds, so '{who}' gets no decision on {requestId} here. Activate that policy on this instance (ActivatePolicyAsync), then retry.",
        ReasonCodes.IdempotencyKeyReused => $"'{who}' already used idempotency key '{detail}' for another skill or payload ({requestId}). Use a new key for a new call.",
        ReasonCodes.AlreadyInvoked => $"The call with this idempotency key was allowed as {requestId}, and its action {detail}; it is not run again.",
        ReasonCodes.OutcomeResolved => $"'{who}' resolved the outcome of {requestId} as {detail}.",
        ReasonCodes.NothingToResolve => $"{requestId} has no action that started without a recorded outcome ({detail}), so there is nothing to resolve.",
        ReasonCodes.ResolutionNotAllowed => $"'{who}' may not resolve the outcome of {requestId}: {detail}.",
        _ => $"{code}: request {requestId}, '{who}'.",
    };
}
