using MakerChecker.Decisions;

namespace MakerChecker.Gates;

/// <summary>
/// A gate was started with a policy other than the one its audit log has in force, and that policy governs its own
/// replacement (<c>policy.changes</c>): starting would put an unapproved policy in force, so the gate refuses to start
/// (fail closed). Start it with the policy in force and replace that through <see cref="ApprovalGate.ProposePolicyAsync"/>
/// and <see cref="ApprovalGate.ActivateApprovedPolicyAsync"/>, or break-glass.
/// </summary>
public sealed class PolicyChangeNotApprovedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="policyHash">The hash of the policy the gate was started with.</param>
    /// <param name="activeHash">The hash of the policy the log has in force.</param>
    public PolicyChangeNotApprovedException(string policyHash, string activeHash)
        : base($"{ReasonCodes.PolicyChangeRequiresApproval}: the audit log has policy {activeHash} in force, and it governs its own replacement "
            + $"(policy.changes), so this gate will not put policy {policyHash} in force on start. Start the gate with the policy in force, then "
            + "replace it through ProposePolicyAsync and ActivateApprovedPolicyAsync(requestId, proposer, policy), or BreakGlassPolicyAsync.")
    {
        PolicyHash = policyHash;
        ActivePolicyHash = activeHash;
    }

    /// <summary>Always <c>policy_change_requires_approval</c>.</summary>
    public string ReasonCode { get; } = ReasonCodes.PolicyChangeRequiresApproval;

    /// <summary>The hash of the policy the gate was started with.</summary>
    public string PolicyHash { get; }

    /// <summary>The hash of the policy the log has in force.</summary>
    public string ActivePolicyHash { get; }
}
