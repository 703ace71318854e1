using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// Who may sign a gate, stated once. The sign-off and execution rules use it for each reviewer, and the policy
/// compiler (through <see cref="Policy.Validation.GateEligibility"/>) uses it to count whether a gate can ever be satisfied.
/// </summary>
internal static class SignerEligibility
{
    /// <summary>
    /// Why <paramref name="reviewer"/> may not sign <paramref name="gate"/>, as a reason code, or <see langword="null"/>
    /// when it may. The checks, in order: known, active, an agent only where the gate allows agent approvers, a human
    /// or agent (services never sign) holding an approver role; then, for a request by <paramref name="requester"/> and
    /// under <see cref="GateDefinition.ForbidRequester"/>, neither the requester nor linked to it by ownership.
    /// </summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="reviewer">The would-be approver, or <see langword="null"/> when no principal has its id.</param>
    /// <param name="requester">The principal who opened the request; <see langword="null"/> to ask about the gate alone.</param>
    public static string? Ineligibility(GateDefinition gate, PrincipalDefinition? reviewer, PrincipalDefinition? requester)
    {
        if (reviewer is null) return ReasonCodes.PrincipalUnknown;
        if (reviewer.Status != PrincipalStatus.Active) return ReasonCodes.PrincipalInactive;
        if (reviewer.Kind == PrincipalKind.Agent && !gate.AllowAgentApprovers) return ReasonCodes.AgentCannotApprove;
        if (!IsAllowedKind(gate, reviewer.Kind) || !HoldsApproverRole(gate, reviewer.Role)) return ReasonCodes.ApproverNotEligible;
        if (requester is null) return null;
        if (IsRequester(gate, reviewer, requester)) return ReasonCodes.RequesterCannotApprove;
        if (IsLinkedByOwnership(gate, reviewer, requester)) return ReasonCodes.OwnerCannotApprove;
        return null;
    }

    /// <summary>Whether the gate accepts sign-offs from principals of <paramref name="kind"/>: humans, and agents where allowed.</summary>
    public static bool IsAllowedKind(GateDefinition gate, PrincipalKind kind) =>
        kind == PrincipalKind.Human || (kind == PrincipalKind.Agent && gate.AllowAgentApprovers);

    /// <summary>Whether <paramref name="approver"/> is the requester, under a gate that forbids the requester.</summary>
    public static bool IsRequester(GateDefinition gate, PrincipalDefinition approver, PrincipalDefinition requester) =>
        gate.ForbidRequester && string.Equals(approver.Id, requester.Id, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="approver"/> owns the requester or is owned by it, under a gate that forbids the requester.</summary>
    public static bool IsLinkedByOwnership(GateDefinition gate, PrincipalDefinition approver, PrincipalDefinition requester) =>
        gate.ForbidRequester
        && (string.Equals(requester.Owner, approver.Id, StringComparison.Ordinal) || string.Equals(approver.Owner, requester.Id, StringComparison.Ordinal));

    private static bool HoldsApproverRole(GateDefinition gate, string role)
    {
        // A loop, not LINQ: this runs once per reviewer on every sign-off and execution.
        var roles = gate.ApproverRoles;
        for (var i = 0; i < roles.Count; i++)
        {
            if (string.Equals(roles[i], role, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
