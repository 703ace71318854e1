using MakerChecker.Decisions;
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
    /// separation constraint. Ownership counts both ways, as in the loader: the principal holds the roles of the
    /// policy's agents it owns, and its owner comes to hold the principal's role. An empty list means it is valid.
    /// </summary>
    /// <param name="policy">The compiled policy.</param>
    /// <param name="principal">The principal to check.</param>
    public static IReadOnlyList<PolicyDiagnostic> ValidatePrincipal(CompiledPolicy policy, PrincipalDefinition principal)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(principal);
        return ValidatePrincipal(policy, principal, NoneRegistered);
    }

    /// <summary>
    /// Checks a principal about to be registered against the policy and the principals already registered at run time
    /// (which replace the policy's of the same id): the principal itself, and its owner, who holds the roles of the
    /// agents it owns, must break no separation constraint once it is registered.
    /// </summary>
    internal static IReadOnlyList<PolicyDiagnostic> ValidatePrincipal(
        CompiledPolicy policy, PrincipalDefinition principal, IReadOnlyDictionary<string, PrincipalDefinition> registered)
    {
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

        // The principals in force once this one is registered: it replaces any principal of the same id.
        var after = new List<PrincipalDefinition> { principal };
        PrincipalDefinition? owner = null;
        foreach (var p in new PrincipalLookup(policy, registered).All())
        {
            if (string.Equals(p.Id, principal.Id, StringComparison.Ordinal)) continue;
            after.Add(p);
            if (string.Equals(p.Id, principal.Owner, StringComparison.Ordinal)) owner = p;
        }
        diagnostics.AddRange(SeparationChecks.Violations(principal, after, policy.Separations));
        if (owner is not null) diagnostics.AddRange(SeparationChecks.Violations(owner, after, policy.Separations));
        return diagnostics;
    }

    private static readonly IReadOnlyDictionary<string, PrincipalDefinition> NoneRegistered =
        new Dictionary<string, PrincipalDefinition>(StringComparer.Ordinal);
}
