using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Validation;

/// <summary>
/// Static separation of duties. A principal holds its own role and, through ownership, the roles of the agents it
/// owns: the person accountable for a screening agent must not also finalise what that agent proposes.
/// A principal breaks a constraint when it holds two or more of the constraint's roles.
/// </summary>
internal static class SeparationChecks
{
    public static IEnumerable<PolicyDiagnostic> Violations(PrincipalDefinition principal, IEnumerable<PrincipalDefinition> all,
        IReadOnlyList<SeparationConstraint> separations)
    {
        if (separations.Count == 0) yield break;
        var held = new SortedSet<string>(StringComparer.Ordinal) { principal.Role };
        var viaAgents = new List<string>();
        foreach (var owned in all)
        {
            if (string.Equals(owned.Owner, principal.Id, StringComparison.Ordinal) && !string.Equals(owned.Id, principal.Id, StringComparison.Ordinal))
            {
                held.Add(owned.Role);
                viaAgents.Add($"{owned.Id} ({owned.Role})");
            }
        }
        foreach (var separation in separations)
        {
            var conflicting = separation.Roles.Where(held.Contains).ToList();
            if (conflicting.Count < 2) continue;
            yield return new PolicyDiagnostic(DiagnosticCodes.SeparationViolated, DiagnosticSeverity.Error,
                principal.Location == default ? separation.Location : principal.Location,
                $"The principal '{principal.Id}' holds the roles {string.Join(" and ", conflicting.Select(r => $"'{r}'"))}, "
                    + $"which the separation constraint at line {separation.Location.Line} says no principal may hold together"
                    + (viaAgents.Count > 0 ? $" (through the agents it owns: {string.Join(", ", viaAgents)})." : "."),
                "Give the conflicting duties to different people: change the principal's role or the owner of its agents.");
        }
    }
}
