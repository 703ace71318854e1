using MakerChecker.Decisions;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Validation;

/// <summary>
/// Who may sign a gate, as the policy compiler asks it (can this gate ever be satisfied?). The rule itself is stated
/// once, in the decision rules the gate applies to every sign-off, so the two can never disagree.
/// </summary>
public static class GateEligibility
{
    /// <summary>
    /// Whether <paramref name="principal"/> may sign <paramref name="gate"/> at all: active, holding one of the
    /// approver roles, and human (or an agent where the gate allows agent approvers). Services never sign.
    /// </summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="principal">The would-be approver.</param>
    public static bool CanSign(GateDefinition gate, PrincipalDefinition principal)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(principal);
        return SignerEligibility.Ineligibility(gate, principal, requester: null) is null;
    }

    /// <summary>Whether the gate accepts sign-offs from principals of <paramref name="kind"/>.</summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="kind">The would-be approver's kind.</param>
    public static bool IsAllowedKind(GateDefinition gate, PrincipalKind kind)
    {
        ArgumentNullException.ThrowIfNull(gate);
        return SignerEligibility.IsAllowedKind(gate, kind);
    }

    /// <summary>
    /// Whether <paramref name="approver"/> is barred from signing a request made by <paramref name="requester"/>:
    /// under <see cref="GateDefinition.ForbidRequester"/>, the requester may not sign, and neither may anyone linked to
    /// the requester by ownership (the human accountable for a requesting agent, or an agent the requester owns).
    /// </summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="approver">The would-be approver.</param>
    /// <param name="requester">The principal who opened the request.</param>
    public static bool IsExcludedFor(GateDefinition gate, PrincipalDefinition approver, PrincipalDefinition requester) =>
        IsRequester(gate, approver, requester) || IsLinkedByOwnership(gate, approver, requester);

    /// <summary>Whether <paramref name="approver"/> is the requester, under a gate that forbids the requester.</summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="approver">The would-be approver.</param>
    /// <param name="requester">The principal who opened the request.</param>
    public static bool IsRequester(GateDefinition gate, PrincipalDefinition approver, PrincipalDefinition requester)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(approver);
        ArgumentNullException.ThrowIfNull(requester);
        return SignerEligibility.IsRequester(gate, approver, requester);
    }

    /// <summary>
    /// Whether <paramref name="approver"/> owns the requester or is owned by it, under a gate that forbids the
    /// requester: an owner answers for its agent, so it cannot be the agent's checker, nor can the agent check its owner.
    /// </summary>
    /// <param name="gate">The gate to sign.</param>
    /// <param name="approver">The would-be approver.</param>
    /// <param name="requester">The principal who opened the request.</param>
    public static bool IsLinkedByOwnership(GateDefinition gate, PrincipalDefinition approver, PrincipalDefinition requester)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(approver);
        ArgumentNullException.ThrowIfNull(requester);
        return SignerEligibility.IsLinkedByOwnership(gate, approver, requester);
    }
}
