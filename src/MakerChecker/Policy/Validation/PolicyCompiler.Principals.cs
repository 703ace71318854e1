using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Policy.Validation;

// Separation constraints, principals and their owners, and whether every gate can be satisfied by the declared principals.
internal sealed partial class PolicyCompiler
{
    private List<SeparationConstraint> CompileSeparations(PolicyDraft draft)
    {
        var result = new List<SeparationConstraint>();
        foreach (var separation in draft.Separations)
        {
            var roles = new List<string>();
            foreach (var role in separation.Roles)
            {
                if (!_roleDrafts.ContainsKey(role.Value))
                {
                    Error(DiagnosticCodes.UnknownRole, role.Location, $"The separation constraint names the role '{role.Value}', which no role declares.",
                        Suggest(role.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
                }
                else if (!roles.Contains(role.Value))
                {
                    roles.Add(role.Value);
                }
            }
            if (separation.Roles.Count < 2)
            {
                Error(DiagnosticCodes.InvalidValue, separation.Location, "A separation constraint needs at least two roles.",
                    "List the roles that no principal may hold together, for example [claims-screener, medical-reviewer].");
                continue;
            }
            roles.Sort(StringComparer.Ordinal);
            result.Add(new SeparationConstraint(roles, null, separation.Location));
        }
        return result;
    }

    private void CollectPrincipals(PolicyDraft draft)
    {
        foreach (var p in draft.Principals)
        {
            if (_principals.TryGetValue(p.Id.Value, out var first))
            {
                Error(DiagnosticCodes.DuplicatePrincipal, p.Id.Location,
                    $"The principal '{p.Id.Value}' is declared twice (first at line {first.Location.Line}).", "Give each identity its own id.");
                continue;
            }
            if (p.Kind is null || p.Role is null) continue; // already reported
            if (!PrincipalIdPattern().IsMatch(p.Id.Value) || (p.Owner is { } o && !PrincipalIdPattern().IsMatch(o.Value)))
            {
                var bad = PrincipalIdPattern().IsMatch(p.Id.Value) ? p.Owner!.Value : p.Id;
                Error(DiagnosticCodes.InvalidValue, bad.Location, $"'{bad.Value}' is not a valid principal id.",
                    "Use letters, digits, '.', '_', '-', '@' and '+', starting with a letter or digit, for example dr.okafor or screener-bot.");
                continue;
            }
            if (!_roleDrafts.ContainsKey(p.Role.Value.Value))
            {
                Error(DiagnosticCodes.PrincipalUnknownRole, p.Role.Value.Location,
                    $"The principal '{p.Id.Value}' holds the role '{p.Role.Value.Value}', which no role declares.",
                    Suggest(p.Role.Value.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
                continue;
            }
            if (p.Kind.Value.Value == PrincipalKind.Agent && p.Owner is null)
            {
                Error(DiagnosticCodes.AgentWithoutOwner, p.Id.Location, $"The agent '{p.Id.Value}' has no owner.",
                    "Add 'owner:' naming the accountable human, for example 'owner: dr.jones'. Agents are treated as employees: someone answers for them.");
            }
            _principals.Add(p.Id.Value, new PrincipalDefinition(p.Id.Value, p.Kind.Value.Value, p.Role.Value.Value, p.Status?.Value ?? PrincipalStatus.Active,
                p.Owner?.Value, p.Id.Location));
        }

        foreach (var principal in _principals.Values)
        {
            if (principal.Owner is null) continue;
            var ownerLocation = draft.Principals.First(d => d.Id.Value == principal.Id).Owner!.Value.Location;
            if (!_principals.TryGetValue(principal.Owner, out var owner))
            {
                Warning(DiagnosticCodes.OwnerNotDeclared, ownerLocation,
                    $"The owner '{principal.Owner}' of '{principal.Id}' is not a declared principal, "
                        + "so separation of duties through ownership cannot be checked for it.",
                    "Declare the owner under 'principals' (kind: human).");
            }
            else if (owner.Kind != PrincipalKind.Human)
            {
                Error(DiagnosticCodes.AgentWithoutOwner, ownerLocation,
                    $"The owner '{principal.Owner}' of '{principal.Id}' is a {owner.Kind.ToString().ToLowerInvariant()}, not a human.",
                    "An owner is the accountable person: name a human principal.");
            }
        }
    }

    private void CheckPrincipalSeparation(List<SeparationConstraint> separations)
    {
        foreach (var principal in _principals.Values)
        {
            _diagnostics.AddRange(SeparationChecks.Violations(principal, _principals.Values, separations));
        }
    }

    private void CheckGatesSatisfiable(List<RoleDefinition> roles)
    {
        if (_principals.Count == 0) return; // principals may arrive at run time; nothing to count against
        foreach (var grant in roles.SelectMany(r => r.Grants.Values))
        {
            if (grant.Gate is not { } gate) continue;
            var eligible = _principals.Values.Where(p => GateEligibility.CanSign(gate, p)).ToList();
            var requesters = _principals.Values.Where(p => p.Status == PrincipalStatus.Active && p.Role == grant.Role).ToList();
            var (worstCount, worstRequester) = requesters.Count == 0
                ? (eligible.Count, (PrincipalDefinition?)null)
                : requesters.Select(r => (eligible.Count(e => !GateEligibility.IsExcludedFor(gate, e, r)), (PrincipalDefinition?)r))
                    .MinBy(x => x.Item1);
            if (worstCount < gate.Approvers)
            {
                Error(DiagnosticCodes.GateUnsatisfiable, gate.Location,
                    $"The gate on '{grant.Skill}' in role '{grant.Role}' needs {gate.Approvers} approver(s), "
                        + $"but only {worstCount} declared principal(s) can sign{(worstRequester is null ? "" : $" a request by '{worstRequester.Id}'")}.",
                    $"Eligible signers are active {(gate.AllowAgentApprovers ? "humans or agents" : "humans")} "
                        + $"holding {string.Join(" or ", gate.ApproverRoles.DefaultIfEmpty("(no role)"))}, "
                        + $"never the requester{(gate.ForbidRequester ? "" : " unless allowed")} or the requester's owner. "
                        + "Declare more reviewers or lower 'approvers'.");
            }
        }
    }
}
