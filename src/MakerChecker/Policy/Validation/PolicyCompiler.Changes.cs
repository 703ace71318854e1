using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Policy.Validation;

// Compiling 'policy.changes': maker-checker on the policy itself.
internal sealed partial class PolicyCompiler
{
    /// <summary>Skill names MakerChecker records its own requests under; no policy may grant them.</summary>
    public const string ReservedSkillPrefix = "makerchecker.";

    private PolicyChangeControl? CompileChanges(PolicyDraft draft)
    {
        if (draft.Changes is not { } changes)
        {
            // Only about a policy that loads: a policy with errors is refused anyway, and the warning would bury them.
            if (_diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return null;
            Warning(DiagnosticCodes.PolicyChangesUngoverned, draft.HeaderLocation ?? new SourceLocation(_file, 1, 1),
                "The policy does not say who may replace it ('policy.changes'), so anyone holding the gate can activate another policy "
                    + "without approval; the change is recorded, not governed.",
                "Add 'changes:' under 'policy:' with 'proposer_roles', 'approvers' and 'approver_roles' (see docs/policy-reference.md).");
            return null;
        }

        var approvers = changes.Approvers?.Value ?? 1;
        if (changes.Approvers is { Value: < 1 } a)
        {
            Error(DiagnosticCodes.ApproversBelowOne, a.Location, $"'policy.changes' requires {a.Value} approvers; a policy change needs at least 1.",
                "Set 'approvers: 1' or more, or remove 'changes' (the linter then warns that policy changes are ungoverned).");
        }
        var proposers = ChangeRoles(changes.ProposerRoles, "proposer_roles", changes.Location);
        var approverRoles = ChangeRoles(changes.ApproverRoles, "approver_roles", changes.Location);
        var breakGlass = ChangeRoles(changes.BreakGlassRoles, "break_glass roles", null);
        if (changes.ExpiresAfter is { Value.Ticks: 0 } zero)
        {
            Error(DiagnosticCodes.InvalidDuration, zero.Location, "'expires_after' in 'policy.changes' is zero, so no policy change could ever be approved.",
                "Give changes time to be reviewed, for example 'expires_after: 72h'.");
        }
        var control = new PolicyChangeControl(proposers, approvers, approverRoles, changes.MinReview?.Value ?? TimeSpan.Zero,
            changes.ExpiresAfter?.Value ?? DefaultExpiresAfter, breakGlass, changes.Location);
        CheckChangesSatisfiable(control);
        return control;
    }

    /// <summary>The role names of one list of <c>policy.changes</c>, checked and sorted; an empty list where one is needed is an error.</summary>
    private List<string> ChangeRoles(List<Located<string>>? names, string key, SourceLocation? requiredAt)
    {
        var result = new List<string>();
        foreach (var name in names ?? [])
        {
            if (!_roleDrafts.ContainsKey(name.Value))
            {
                Error(DiagnosticCodes.UnknownRole, name.Location, $"'{key}' in 'policy.changes' names the role '{name.Value}', which no role declares.",
                    Suggest(name.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
            }
            else if (!result.Contains(name.Value)) result.Add(name.Value);
        }
        if (requiredAt is { } at && names is { Count: 0 })
        {
            Error(DiagnosticCodes.InvalidValue, at, $"'{key}' in 'policy.changes' is empty, so no policy change could ever be made.",
                $"Name at least one role under '{key}'.");
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>With declared principals, a change that fewer humans can approve than it needs is an error (worst case over proposers).</summary>
    private void CheckChangesSatisfiable(PolicyChangeControl changes)
    {
        if (_principals.Count == 0) return;
        var gate = changes.Gate;
        var eligible = _principals.Values.Where(p => GateEligibility.CanSign(gate, p)).ToList();
        var proposers = _principals.Values.Where(p => p.Status == PrincipalStatus.Active && changes.ProposerRoles.Contains(p.Role)).ToList();
        var (worst, proposer) = proposers.Count == 0
            ? (eligible.Count, (PrincipalDefinition?)null)
            : proposers.Select(r => (eligible.Count(e => !GateEligibility.IsExcludedFor(gate, e, r)), (PrincipalDefinition?)r)).MinBy(x => x.Item1);
        if (worst >= changes.Approvers) return;
        Error(DiagnosticCodes.GateUnsatisfiable, changes.Location,
            $"'policy.changes' needs {changes.Approvers} approver(s), but only {worst} declared principal(s) can approve"
                + $"{(proposer is null ? "" : $" a change proposed by '{proposer.Id}'")}.",
            $"Approvers are active humans holding {string.Join(" or ", changes.ApproverRoles.DefaultIfEmpty("(no role)"))}, never the proposer "
                + "or the proposer's owner. Declare more approvers, lower 'approvers', or take the proposer's role out of 'proposer_roles'.");
    }
}
