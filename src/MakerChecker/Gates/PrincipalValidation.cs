using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>Validates a principal supplied at run time against the policy in force, with the policy's own diagnostic codes.</summary>
internal static class PrincipalValidation
{
    public static IReadOnlyList<PolicyDiagnostic> Validate(CompiledPolicy policy, PrincipalDefinition principal)
    {
        var errors = new List<PolicyDiagnostic>();
        if (!policy.Roles.ContainsKey(principal.Role))
        {
            errors.Add(new PolicyDiagnostic(DiagnosticCodes.PrincipalUnknownRole, DiagnosticSeverity.Error, principal.Location,
                $"Principal '{principal.Id}' names role '{principal.Role}', which the policy does not declare.", "Give it a role the policy declares."));
        }
        if (principal.Kind == PrincipalKind.Agent && string.IsNullOrWhiteSpace(principal.Owner))
        {
            errors.Add(new PolicyDiagnostic(DiagnosticCodes.AgentWithoutOwner, DiagnosticSeverity.Error, principal.Location,
                $"Agent '{principal.Id}' has no owner.", "Name the accountable human as its owner."));
        }
        return errors;
    }
}
