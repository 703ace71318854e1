using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Validation;

namespace MakerChecker.Policy;

/// <summary>
/// Validates principals that an app supplies at run time with the same rules as principals declared in the policy.
/// </summary>
public static class PolicyValidator
{
    /// <summary>
    /// Checks a run-time principal against a policy: its role exists, an agent has an owner, and it breaks no
    /// separation constraint (counting the policy's declared agents it owns). An empty list means it is valid.
    /// </summary>
    /// <param name="policy">The compiled policy.</param>
    /// <param name="principal">The principal to check.</param>
    public static IReadOnlyList<PolicyDiagnostic> ValidatePrincipal(CompiledPolicy policy, PrincipalDefinition principal)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(principal);
        var location = principal.Location == default ? new SourceLocation("(run time)", 1, 1) : principal.Location;
        var diagnostics = new List<PolicyDiagnostic>();
        if (!policy.Roles.ContainsKey(principal.Role))
        {
            diagnostics.Add(new PolicyDiagnostic(DiagnosticCodes.PrincipalUnknownRole, DiagnosticSeverity.Error, location,
                $"The principal '{principal.Id}' holds the role '{principal.Role}', which policy '{policy.Name}' does not declare.",
                "Supply a role the policy declares."));
        }
        if (principal.Kind == PrincipalKind.Agent && string.IsNullOrWhiteSpace(principal.Owner))
        {
            diagnostics.Add(new PolicyDiagnostic(DiagnosticCodes.AgentWithoutOwner, DiagnosticSeverity.Error, location,
                $"The agent '{principal.Id}' has no owner.", "Supply the accountable human's id as the agent's owner."));
        }
        var others = policy.Principals.Values.Where(p => !string.Equals(p.Id, principal.Id, StringComparison.Ordinal));
        diagnostics.AddRange(SeparationChecks.Violations(principal, others.Append(principal), policy.Separations));
        return diagnostics;
    }
}
