namespace MakerChecker.Policy.Model;

/// <summary>
/// Maker-checker on the policy itself (<c>policy.changes</c>): who may propose a replacement of the policy in force, how
/// many distinct eligible humans must approve it, and who may activate one without approval under break-glass. While a
/// policy with this section is in force, a replacement is activated only through an approved change request
/// (<c>ApprovalGate.ProposePolicyAsync</c>, then <c>ActivateApprovedPolicyAsync</c>) or break-glass (<c>BreakGlassPolicyAsync</c>).
/// </summary>
public sealed class PolicyChangeControl
{
    internal PolicyChangeControl(
        IReadOnlyList<string> proposerRoles, int approvers, IReadOnlyList<string> approverRoles, TimeSpan minReview, TimeSpan expiresAfter,
        IReadOnlyList<string> breakGlassRoles, SourceLocation location)
    {
        ProposerRoles = proposerRoles;
        Approvers = approvers;
        ApproverRoles = approverRoles;
        MinReview = minReview;
        ExpiresAfter = expiresAfter;
        BreakGlassRoles = breakGlassRoles;
        Location = location;
        // A change request is judged by the same sign-off rules as any gated skill: the proposer never signs, nor does
        // anyone linked to the proposer by ownership; only humans sign; each reviewer must have been shown the change.
        Gate = new GateDefinition(approvers, approverRoles, approverRolesDefaulted: false, forbidRequester: true, minReview, expiresAfter,
            allowAgentApprovers: false, requirePresentation: true, sample: 1.0, breakGlassRoles, location);
    }

    /// <summary>The skill name a policy change request is recorded under; reserved, so no policy may grant it.</summary>
    public const string Skill = "makerchecker.policy.activate@1";

    /// <summary>The roles whose active principals may propose a replacement, sorted.</summary>
    public IReadOnlyList<string> ProposerRoles { get; }

    /// <summary>The number of distinct eligible approvers a change needs. At least 1.</summary>
    public int Approvers { get; }

    /// <summary>The roles whose active human principals may approve a change, sorted.</summary>
    public IReadOnlyList<string> ApproverRoles { get; }

    /// <summary>The least time between a change's presentation to an approver and their sign-off. <value>The default value is zero.</value></summary>
    public TimeSpan MinReview { get; }

    /// <summary>How long a change request stays approvable and activatable. <value>The default value is 72 hours.</value></summary>
    public TimeSpan ExpiresAfter { get; }

    /// <summary>The roles that may activate a replacement without approval, with a justification; empty when none may.</summary>
    public IReadOnlyList<string> BreakGlassRoles { get; }

    /// <summary>Where <c>changes</c> was written.</summary>
    public SourceLocation Location { get; }

    /// <summary>The sign-off rules of a change request, as a gate.</summary>
    internal GateDefinition Gate { get; }
}
