using System.Text.Json.Nodes;
using MakerChecker.Auditing;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// The rules for the steps of an approval request: presentation, sign-off and execution. Each is a pure function of
/// the policy in force, the principals in force, the request as the audit log has made it, who acts, and the time; it
/// returns one <see cref="Decision"/> and changes nothing. The gate records the decision and applies it.
/// </summary>
internal static class RequestRules
{
    /// <summary>Whether the case may be recorded as shown to <paramref name="reviewerId"/>: the request is open and the reviewer known and active.</summary>
    public static Decision Present(CompiledPolicy policy, RequestState request, string reviewerId, PrincipalDefinition? reviewer, DateTimeOffset now)
    {
        if (request.Status == ApprovalStatus.Expired || (request.IsOpen && request.IsExpiredAt(now)))
        {
            return Refuse(ReasonCodes.RequestExpired, default, ExpiredAt(request));
        }
        if (!request.IsOpen) return Refuse(ReasonCodes.RequestClosed, default, StatusName(request));
        if (reviewer is null) return Refuse(ReasonCodes.PrincipalUnknown, default);
        if (reviewer.Status != PrincipalStatus.Active) return Refuse(ReasonCodes.PrincipalInactive, reviewer.Location);
        return Decision.OnRequest(
            DecisionStage.Present, DecisionOutcome.Presented, ReasonCodes.Presented, default, policy.Hash, reviewerId, request.Skill, request.Id);

        Decision Refuse(string code, SourceLocation rule, string? detail = null) =>
            Decision.OnRequest(DecisionStage.Present, DecisionOutcome.Refused, code, rule, policy.Hash, reviewerId, request.Skill, request.Id, detail);
    }

    /// <summary>
    /// The sign-off rules, in order: the request is open and not expired; a rejection has a reason; the gate in force
    /// over the request's grant still exists; the reviewer may sign it (<see cref="SignerEligibility"/>); has not
    /// signed already; was presented the case (unless the gate opts out); and had it at least <c>min_review</c>.
    /// </summary>
    /// <remarks><paramref name="presentedAt"/> is when the case was first presented to the reviewer, or <see langword="null"/> when never.</remarks>
    public static Decision SignOff(
        CompiledPolicy policy, in PrincipalLookup principals, RequestState request, string reviewerId, PrincipalDefinition? reviewer,
        bool approve, string? reason, DateTimeOffset? presentedAt, DateTimeOffset now)
    {
        if (request.Status == ApprovalStatus.Expired || (request.IsOpen && request.IsExpiredAt(now)))
        {
            return Refuse(ReasonCodes.RequestExpired, default, ExpiredAt(request));
        }
        if (!request.IsOpen) return Refuse(ReasonCodes.RequestClosed, default, StatusName(request));
        if (!approve && string.IsNullOrWhiteSpace(reason)) return Refuse(ReasonCodes.ReasonRequired, default);

        var (barred, barRule, barDetail, gate) = Standing(policy, principals, request, reviewerId, reviewer);
        if (barred is not null) return Refuse(barred, barRule, barDetail);
        if (presentedAt is null && gate!.RequirePresentation) return Refuse(ReasonCodes.NotPresented, gate.Location);

        // Without a required presentation, the floor runs from the request's opening: never from nothing.
        var had = now - (presentedAt ?? request.RequestedAt);
        if (had < gate!.MinReview) return Refuse(ReasonCodes.ReviewTooFast, gate.Location, FormattableString.Invariant($"{had.TotalSeconds:0.###} s"));
        return Decision.OnRequest(DecisionStage.SignOff, approve ? DecisionOutcome.SignedOff : DecisionOutcome.Rejected, ReasonCodes.SignedOff, gate.Location,
            policy.Hash, reviewerId, request.Skill, request.Id, approve ? "approved" : "rejected");

        Decision Refuse(string code, SourceLocation rule, string? detail = null) =>
            Decision.OnRequest(DecisionStage.SignOff, DecisionOutcome.Refused, code, rule, policy.Hash, reviewerId, request.Skill, request.Id, detail);
    }

    /// <summary>
    /// Why <paramref name="reviewerId"/> may not sign the request now, as a reason code, or <see langword="null"/> when
    /// they may (the presentation and <c>min_review</c> rules aside, which depend on when they sign): the sign-off rules
    /// that do not depend on the sign-off itself, in the same order.
    /// </summary>
    public static string? SignerBar(
        CompiledPolicy policy, in PrincipalLookup principals, RequestState request, string reviewerId, PrincipalDefinition? reviewer, DateTimeOffset now)
    {
        if (!request.IsOpen) return ReasonCodes.RequestClosed;
        if (request.IsExpiredAt(now)) return ReasonCodes.RequestExpired;
        return Standing(policy, principals, request, reviewerId, reviewer).Code;
    }

    /// <summary>The gate in force over the request, and whether the reviewer is eligible under it and has not signed already.</summary>
    private static (string? Code, SourceLocation Rule, string? Detail, GateDefinition? Gate) Standing(
        CompiledPolicy policy, in PrincipalLookup principals, RequestState request, string reviewerId, PrincipalDefinition? reviewer)
    {
        var requester = principals.Find(request.RequesterId);
        var gate = CurrentGate(policy, request, requester, out var gateCode, out var gateRule);
        if (gate is null) return (gateCode!, gateRule, null, null);
        if (SignerEligibility.Ineligibility(gate, reviewer, requester) is { } ineligible)
        {
            var rule = ineligible == ReasonCodes.PrincipalInactive ? reviewer!.Location : gate.Location;
            return (ineligible, rule, string.Join(", ", gate.ApproverRoles), gate);
        }
        if (request.HasSigned(reviewerId)) return (ReasonCodes.AlreadySigned, gate.Location, null, gate);
        return (null, gate.Location, null, gate);
    }

    /// <summary>The gate in force now over the request's grant, or <see langword="null"/> when there is none.</summary>
    public static GateDefinition? GateInForce(CompiledPolicy policy, in PrincipalLookup principals, RequestState request) =>
        CurrentGate(policy, request, principals.Find(request.RequesterId), out _, out _);

    /// <summary>
    /// The execution rules, in order: the request has not run, is not rejected or expired; the executor is the
    /// requester and offers exactly the approved payload; against the policy and principals in force now, the requester
    /// may still invoke the skill with that payload (its status, grant and amount ceiling are judged again; rate limits
    /// are not counted twice) and enough approvers are still eligible and active.
    /// </summary>
    /// <remarks>
    /// <paramref name="payload"/> (with its <paramref name="digest"/>) is only read when its digest is the approved one.
    /// When the execution is allowed, <paramref name="approvers"/> are the approvers whose sign-offs count now.
    /// </remarks>
    public static Decision Execute(
        CompiledPolicy policy, in PrincipalLookup principals, RequestState request, string principalId, PrincipalDefinition? requester,
        JsonObject payload, string digest, DateTimeOffset now, out string[]? approvers)
    {
        approvers = null;
        var status = request.Status;
        if (status is ApprovalStatus.Executing or ApprovalStatus.Executed or ApprovalStatus.Failed)
        {
            return Refuse(ReasonCodes.AlreadyExecuted, StatusName(request));
        }
        if (status == ApprovalStatus.Rejected) return Refuse(ReasonCodes.RequestClosed, "rejected");
        if (request.IsExpiredAt(now)) return Refuse(ReasonCodes.RequestExpired, ExpiredAt(request));
        if (!string.Equals(principalId, request.RequesterId, StringComparison.Ordinal)) return Refuse(ReasonCodes.NotRequester);
        if (!string.Equals(digest, request.PayloadDigest, StringComparison.Ordinal)) return Refuse(ReasonCodes.PayloadMismatch, request.PayloadDigest);

        // Grants, statuses and amount ceilings are judged again now, with the approved payload: a revoked grant, a
        // suspended agent or a lowered max_amount stops the execution. Rate limits counted the invocation once already.
        var again = DecisionEvaluator.Evaluate(policy, principalId, requester, request.Skill, payload, ledger: null, now, sampleDraw: 1.0, out _);
        if (again.Outcome == DecisionOutcome.Refused) return again.At(DecisionStage.Execute, request.Id);
        var gate = CurrentGate(policy, request, requester, out var gateCode, out var gateRule);
        if (gate is null) return Refuse(gateCode!, detail: null, gateRule);

        var counted = CountApprovers(gate, principals, request, requester!);
        var needed = Math.Max(gate.Approvers, request.RequiredApprovals);
        if (counted.Count < needed) return Refuse(ReasonCodes.NotApproved, FormattableString.Invariant($"{counted.Count} of {needed}"), gate.Location);
        approvers = [.. counted];
        return Decision.OnRequest(
            DecisionStage.Execute, DecisionOutcome.Executed, ReasonCodes.Executed, gate.Location, policy.Hash, principalId, request.Skill, request.Id);

        Decision Refuse(string code, string? detail = null, SourceLocation rule = default) =>
            Decision.OnRequest(DecisionStage.Execute, DecisionOutcome.Refused, code, rule, policy.Hash, principalId, request.Skill, request.Id, detail);
    }

    /// <summary>The gate in force now over the request's grant: the one that judges its sign-offs and execution.</summary>
    private static GateDefinition? CurrentGate(
        CompiledPolicy policy, RequestState request, PrincipalDefinition? requester, out string? code, out SourceLocation rule)
    {
        (code, rule) = (null, default);
        if (request.Skill == PolicyChangeControl.Skill)
        {
            // A policy change request is signed under the policy.changes in force, not under a grant.
            if (policy.Changes is { } changes) return changes.Gate;
            code = ReasonCodes.GateRemoved;
            return null;
        }
        if (requester is null) code = ReasonCodes.PrincipalUnknown;
        else if (!policy.TryGetRole(requester.Role, out var role)) (code, rule) = (ReasonCodes.RoleUnknown, requester.Location);
        else if (!role.TryGetGrant(request.Skill, out var grant)) (code, rule) = (ReasonCodes.SkillNotGranted, role.Location);
        else if (grant.Gate is { } gate) return gate;
        else (code, rule) = (ReasonCodes.GateRemoved, grant.Location);
        return null;
    }

    /// <summary>The distinct approvers of the request who may still sign it under <paramref name="gate"/>, in order of signing.</summary>
    private static List<string> CountApprovers(GateDefinition gate, in PrincipalLookup principals, RequestState request, PrincipalDefinition requester)
    {
        var approvers = new List<string>();
        foreach (var signOff in request.SignOffsSnapshot())
        {
            if (!signOff.Approved || approvers.Contains(signOff.ReviewerId)) continue;
            if (SignerEligibility.Ineligibility(gate, principals.Find(signOff.ReviewerId), requester) is null) approvers.Add(signOff.ReviewerId);
        }
        return approvers;
    }

    private static string StatusName(RequestState request) => request.Status.ToString().ToLowerInvariant();

    private static string ExpiredAt(RequestState request) => AuditTime.Format(request.ExpiresAt);
}
