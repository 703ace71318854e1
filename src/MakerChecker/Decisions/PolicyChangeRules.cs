using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// The rules for replacing the policy in force (maker-checker on the policy itself, <c>policy.changes</c>). Each is a pure
/// function of the policy in force, the principals in force, the change request as the log has made it, who acts and
/// the time, and returns a reason code (<see langword="null"/> when allowed), the rule that decided and a detail.
/// A change request is judged by the sign-off rules like any gated request (see <see cref="RequestRules"/>).
/// </summary>
internal static class PolicyChangeRules
{
    /// <summary>The payload digest a change request is bound to: <c>sha256:</c> and the proposed policy's hash (the digest of its canonical form).</summary>
    public static string Digest(CompiledPolicy proposed) => "sha256:" + proposed.Hash;

    /// <summary>Whether the policy in force may be replaced without a change request: only when it has no <c>policy.changes</c>.</summary>
    public static (string? Code, SourceLocation Rule) ActivateDirectly(CompiledPolicy inForce) =>
        inForce.Changes is { } changes ? (ReasonCodes.PolicyChangeRequiresApproval, changes.Location) : (null, default);

    /// <summary>
    /// Whether <paramref name="proposer"/> may propose <paramref name="proposed"/>: the policy in force governs changes, the
    /// proposer is active and holds a proposer role, the proposal is a different policy, and it states a reason.
    /// </summary>
    public static (string? Code, SourceLocation Rule, string? Detail) Propose(
        CompiledPolicy inForce, PrincipalDefinition? proposer, CompiledPolicy proposed, string? reason)
    {
        if (inForce.Changes is not { } changes) return (ReasonCodes.PolicyChangeNotAllowed, default, "the policy in force has no 'policy.changes'");
        if (proposer is null) return (ReasonCodes.PrincipalUnknown, default, null);
        if (proposer.Status != PrincipalStatus.Active) return (ReasonCodes.PrincipalInactive, proposer.Location, null);
        if (!changes.ProposerRoles.Contains(proposer.Role))
        {
            return (ReasonCodes.PolicyChangeNotAllowed, changes.Location, $"role '{proposer.Role}' is not among proposer_roles");
        }
        if (proposed.Hash == inForce.Hash) return (ReasonCodes.PolicyUnchanged, changes.Location, null);
        if (string.IsNullOrWhiteSpace(reason)) return (ReasonCodes.ReasonRequired, changes.Location, null);
        return (null, changes.Location, null);
    }

    /// <summary>
    /// Whether an approved change request may put <paramref name="proposed"/> in force, in order: the request is a policy
    /// change that has not run, is not rejected or expired; the activator is its proposer and offers exactly the approved
    /// policy; the policy in force still governs changes and the proposer still holds a proposer role; and at least N of
    /// the approvals are from reviewers who are still eligible under the <c>policy.changes</c> in force.
    /// </summary>
    /// <remarks>When allowed, <paramref name="approvers"/> are the approvers whose approvals count now.</remarks>
    public static (string? Code, SourceLocation Rule, string? Detail) ActivateApproved(
        CompiledPolicy inForce, in PrincipalLookup principals, RequestState request, string principalId, CompiledPolicy proposed, DateTimeOffset now,
        out string[]? approvers)
    {
        approvers = null;
        if (request.Skill != PolicyChangeControl.Skill) return (ReasonCodes.NotAPolicyChange, default, request.Skill);
        var status = request.Status;
        if (status is ApprovalStatus.Executing or ApprovalStatus.Executed or ApprovalStatus.Failed) return (ReasonCodes.AlreadyExecuted, default, Name(status));
        if (status is ApprovalStatus.Rejected) return (ReasonCodes.RequestClosed, default, Name(status));
        if (status is ApprovalStatus.Expired || request.IsExpiredAt(now))
        {
            return (ReasonCodes.RequestExpired, default, Auditing.AuditTime.Format(request.ExpiresAt));
        }

        if (!string.Equals(principalId, request.RequesterId, StringComparison.Ordinal)) return (ReasonCodes.NotRequester, default, null);
        if (!string.Equals(Digest(proposed), request.PayloadDigest, StringComparison.Ordinal))
        {
            return (ReasonCodes.PayloadMismatch, default, request.PayloadDigest);
        }

        if (inForce.Changes is not { } changes) return (ReasonCodes.GateRemoved, default, null);

        var proposer = principals.Find(principalId);
        if (proposer is null) return (ReasonCodes.PrincipalUnknown, default, null);
        if (proposer.Status != PrincipalStatus.Active) return (ReasonCodes.PrincipalInactive, proposer.Location, null);
        if (!changes.ProposerRoles.Contains(proposer.Role))
        {
            return (ReasonCodes.PolicyChangeNotAllowed, changes.Location, $"role '{proposer.Role}' is not among proposer_roles");
        }

        var counted = new List<string>();
        foreach (var signOff in request.SignOffsSnapshot())
        {
            if (!signOff.Approved || counted.Contains(signOff.ReviewerId)) continue;
            if (SignerEligibility.Ineligibility(changes.Gate, principals.Find(signOff.ReviewerId), proposer) is null) counted.Add(signOff.ReviewerId);
        }
        var needed = Math.Max(changes.Approvers, request.RequiredApprovals);
        if (counted.Count < needed) return (ReasonCodes.NotApproved, changes.Location, FormattableString.Invariant($"{counted.Count} of {needed}"));
        approvers = [.. counted];
        return (null, changes.Location, null);
    }

    /// <summary>
    /// Whether <paramref name="principal"/> may put <paramref name="proposed"/> in force without approval: the policy in force
    /// governs changes and names the principal's role under <c>break_glass</c>, the principal is active, and it justifies it.
    /// </summary>
    public static (string? Code, SourceLocation Rule, string? Detail) BreakGlass(
        CompiledPolicy inForce, PrincipalDefinition? principal, CompiledPolicy proposed, string? justification)
    {
        if (inForce.Changes is not { } changes)
        {
            return (ReasonCodes.BreakGlassNotAllowed, default, "the policy in force has no 'policy.changes'; activate the policy with ActivatePolicyAsync");
        }
        if (principal is null) return (ReasonCodes.PrincipalUnknown, default, null);
        if (principal.Status != PrincipalStatus.Active) return (ReasonCodes.PrincipalInactive, principal.Location, null);
        if (!changes.BreakGlassRoles.Contains(principal.Role))
        {
            return (ReasonCodes.BreakGlassNotAllowed, changes.Location, $"'policy.changes' does not name role '{principal.Role}' under break_glass");
        }
        if (proposed.Hash == inForce.Hash) return (ReasonCodes.PolicyUnchanged, changes.Location, null);
        if (string.IsNullOrWhiteSpace(justification)) return (ReasonCodes.JustificationRequired, changes.Location, null);
        return (null, changes.Location, null);
    }

    private static string Name(ApprovalStatus status) => status.ToString().ToLowerInvariant();
}
