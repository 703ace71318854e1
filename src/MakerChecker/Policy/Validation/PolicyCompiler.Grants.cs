using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Policy.Validation;

// Compiling each role's grants: skill ids against the catalogue, forbidden entries, gates and limits.
internal sealed partial class PolicyCompiler
{
    /// <summary>The role's grants with well-formed, unique, catalogued skill ids; also checks its forbidden entries.</summary>
    private List<(SkillId Skill, GrantDraft Draft)> CompileGrants(RoleDraft role)
    {
        var forbidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in role.Forbidden)
        {
            var at = entry.Value.IndexOf('@', StringComparison.Ordinal);
            if (at > 0 && SkillId.TryParse(entry.Value, out var versioned))
            {
                Error(DiagnosticCodes.ForbiddenWithVersion, entry.Location,
                    $"'{entry.Value}' in the forbidden list of role '{role.Name.Value}' names a version, "
                        + "but 'forbidden' covers every version of a skill.",
                    $"Write '- skill: {versioned.Name}' to forbid every version; "
                        + "a role that should only lose one version simply must not grant it.");
                continue;
            }
            if (!SkillId.IsValidName(entry.Value))
            {
                Error(DiagnosticCodes.MalformedSkill, entry.Location,
                    $"'{entry.Value}' in the forbidden list of role '{role.Name.Value}' is not a valid skill name.",
                    "Write the skill name without a version, for example '- skill: coverage.deny'.");
                continue;
            }
            forbidden.Add(entry.Value);
        }

        var grants = new List<(SkillId, GrantDraft)>();
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var grant in role.Grants)
        {
            if (!SkillId.TryParse(grant.Skill.Value, out var skill))
            {
                Error(DiagnosticCodes.MalformedSkill, grant.Skill.Location, $"'{grant.Skill.Value}' in role '{role.Name.Value}' is not a skill id.",
                    SkillId.IsValidName(grant.Skill.Value)
                        ? $"A grant names exactly one version: write for example '{grant.Skill.Value}@1'."
                        : "Write name@version, for example coverage.deny@1.");
                continue;
            }
            if (seen.TryGetValue(skill.ToString(), out var first))
            {
                Error(DiagnosticCodes.DuplicateGrant, grant.Skill.Location, $"Role '{role.Name.Value}' grants '{skill}' twice (first at line {first.Line}).",
                    "Keep one grant and put its gate and limits together.");
                continue;
            }
            seen.Add(skill.ToString(), grant.Skill.Location);
            if (skill.Name.StartsWith(ReservedSkillPrefix, StringComparison.Ordinal))
            {
                Error(DiagnosticCodes.ReservedSkill, grant.Skill.Location,
                    $"Role '{role.Name.Value}' grants '{skill}', but skills named '{ReservedSkillPrefix}…' are reserved for MakerChecker itself "
                        + "(a policy change is recorded as makerchecker.policy.activate@1).",
                    "Rename the skill. Who may change the policy is said in 'policy.changes', not by a grant.");
                continue;
            }
            if (forbidden.Contains(skill.Name))
            {
                Error(DiagnosticCodes.GrantedAndForbidden, grant.Skill.Location,
                    $"Role '{role.Name.Value}' both grants '{skill}' and forbids '{skill.Name}'.",
                    "Decide which you mean: forbidden wins over any grant, so remove the grant or the forbidden entry.");
                // Keep checking the grant's gate and limits so that every problem is reported at once.
            }
            SkillDefinition? catalogued = null;
            if (_skills.Count > 0 && !_skills.TryGetValue(skill.Name, out catalogued))
            {
                Error(DiagnosticCodes.NotInCatalogue, grant.Skill.Location,
                    $"Role '{role.Name.Value}' grants '{skill}', but the skill catalogue has no skill '{skill.Name}'.",
                    Suggest(skill.Name, _skills.Keys) is { } near
                        ? $"Did you mean '{near}'? Otherwise add '{skill.Name}' to 'skills'."
                        : $"Add '{skill.Name}' to 'skills', or correct the name.");
            }
            else if (catalogued is not null && !catalogued.Versions.Contains(skill.Version))
            {
                Error(DiagnosticCodes.NotInCatalogue, grant.Skill.Location,
                    $"Role '{role.Name.Value}' grants version {skill.Version} of '{skill.Name}', "
                        + $"but the catalogue lists only version(s) {string.Join(", ", catalogued.Versions)}.",
                    $"Grant a listed version, or add {skill.Version} to the skill's 'versions'.");
            }
            grants.Add((skill, grant));
        }
        return grants;
    }

    private GrantDefinition CompileGrant(string role, (SkillId Skill, GrantDraft Draft) grant,
        Dictionary<string, List<(SkillId Skill, GrantDraft Draft)>> allGrants)
    {
        var (skill, draft) = grant;
        var risk = draft.Risk?.Value ?? (_skills.TryGetValue(skill.Name, out var catalogued) ? catalogued.Risk : RiskTier.Low);
        var gate = draft.Gate is { } g ? CompileGate(role, skill, g, allGrants) : null;
        if (risk == RiskTier.High && (gate is null || !gate.GatesEveryInvocation))
        {
            Error(DiagnosticCodes.HighRiskRequiresGate, draft.Skill.Location,
                gate is null
                    ? $"The grant of high-risk skill '{skill}' to role '{role}' has no gate (high_risk_requires_gate)."
                    : $"The grant of high-risk skill '{skill}' to role '{role}' gates only a sample of invocations (high_risk_requires_gate).",
                gate is null
                    ? "Add a gate, for example 'gate: { approvers: 1, min_review: 30s }'."
                    : "Remove 'sample' so that every invocation of a high-risk skill is approved.");
        }
        if (risk == RiskTier.High && gate is { MinReview.Ticks: 0 })
        {
            Warning(DiagnosticCodes.NoMinimumReview, gate.Location,
                $"The gate on high-risk skill '{skill}' in role '{role}' has no 'min_review', so a one-second sign-off is accepted.",
                "Set a floor such as 'min_review: 30s'. It cannot make a reviewer read the case, but it refuses sign-offs too fast to be reviews.");
        }
        var limits = draft.Limits is { } l ? CompileLimits(role, skill, l) : null;
        return new GrantDefinition(role, skill, risk, gate, limits, draft.Skill.Location);
    }

    private GateDefinition CompileGate(string role, SkillId skill, GateDraft gate,
        Dictionary<string, List<(SkillId Skill, GrantDraft Draft)>> allGrants)
    {
        var approvers = gate.Approvers?.Value ?? 1;
        if (gate.Approvers is { Value: < 1 } a)
        {
            Error(DiagnosticCodes.ApproversBelowOne, a.Location,
                $"The gate on '{skill}' in role '{role}' requires {a.Value} approvers; a gate needs at least 1.",
                "Set 'approvers: 1' or more, or remove the gate if the skill needs no approval.");
        }

        var approverRoles = CheckRoleNames(gate.ApproverRoles, "approver_roles", skill);
        var defaulted = gate.ApproverRoles is null;
        if (defaulted)
        {
            approverRoles = allGrants.Where(r => r.Value.Any(g => g.Skill == skill)).Select(r => r.Key).ToList();
        }
        approverRoles.Sort(StringComparer.Ordinal);

        var forbidRequester = gate.ForbidRequester?.Value ?? true;
        if (!forbidRequester)
        {
            Warning(DiagnosticCodes.RequesterMayApprove, gate.ForbidRequester!.Value.Location,
                $"The gate on '{skill}' in role '{role}' lets the requester approve their own request.",
                "Remove 'forbid_requester: false' unless self-approval is truly intended; it defeats maker-checker.");
        }
        var allowAgents = gate.AllowAgentApprovers?.Value ?? false;
        if (allowAgents)
        {
            Warning(DiagnosticCodes.AgentApproversAllowed, gate.AllowAgentApprovers!.Value.Location,
                $"The gate on '{skill}' in role '{role}' lets agents sign.",
                "An agent's sign-off is not human review; keep this only where the policy's owners have decided so.");
        }
        var requirePresentation = gate.RequirePresentation?.Value ?? true;
        if (!requirePresentation)
        {
            Warning(DiagnosticCodes.PresentationNotRequired, gate.RequirePresentation!.Value.Location,
                $"The gate on '{skill}' in role '{role}' accepts sign-offs without a recorded presentation, "
                    + "so reviewer dwell time cannot be measured.",
                "Remove 'require_presentation: false' and record when each case is shown to its reviewer.");
        }
        var minReview = gate.MinReview?.Value ?? TimeSpan.Zero;
        var expiresAfter = gate.ExpiresAfter?.Value ?? DefaultExpiresAfter;
        if (gate.ExpiresAfter is { Value.Ticks: 0 } zero)
        {
            Error(DiagnosticCodes.InvalidDuration, zero.Location, $"'expires_after' on the gate of '{skill}' is zero, so no request could ever be approved.",
                "Give requests time to be reviewed, for example 'expires_after: 72h'.");
        }
        var breakGlass = CheckRoleNames(gate.BreakGlassRoles, "break_glass roles", skill);
        breakGlass.Sort(StringComparer.Ordinal);
        return new GateDefinition(approvers, approverRoles, defaulted, forbidRequester, minReview, expiresAfter, allowAgents, requirePresentation,
            gate.Sample?.Value ?? 1.0, breakGlass, gate.Location);
    }

    private List<string> CheckRoleNames(List<Located<string>>? names, string key, SkillId skill)
    {
        var result = new List<string>();
        foreach (var name in names ?? [])
        {
            if (!_roleDrafts.ContainsKey(name.Value))
            {
                Error(DiagnosticCodes.UnknownRole, name.Location,
                    $"'{key}' on the gate of '{skill}' names the role '{name.Value}', which no role declares.",
                    Suggest(name.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
            }
            else if (!result.Contains(name.Value)) result.Add(name.Value);
        }
        return result;
    }

    private LimitDefinition CompileLimits(string role, SkillId skill, LimitDraft limits)
    {
        foreach (var (key, value) in new[] { ("per_minute", limits.PerMinute), ("per_hour", limits.PerHour), ("per_day", limits.PerDay) })
        {
            if (value is { Value: < 1 } v)
            {
                Error(DiagnosticCodes.InvalidLimit, v.Location, $"'{key}' on '{skill}' in role '{role}' is {v.Value}; a count limit must be at least 1.",
                    "Set a positive count, or remove the grant if the skill must never run.");
            }
        }
        if (limits.MaxAmount is { Value: <= 0 } m)
        {
            Error(DiagnosticCodes.InvalidLimit, m.Location, $"'max_amount' on '{skill}' in role '{role}' is {m.Value}; it must be greater than 0.",
                "Set a positive ceiling.");
        }
        if (limits.MaxAmount is not null && limits.AmountField is null)
        {
            Error(DiagnosticCodes.InvalidLimit, limits.MaxAmount.Value.Location,
                $"'max_amount' on '{skill}' in role '{role}' has no 'amount_field' to read the amount from.",
                "Add 'amount_field:' with the payload path of the amount, for example claim.amount.");
        }
        if (limits.AmountField is { } field)
        {
            if (limits.MaxAmount is null)
            {
                Error(DiagnosticCodes.InvalidLimit, field.Location, $"'amount_field' on '{skill}' in role '{role}' has no 'max_amount'.",
                    "Add 'max_amount:', or remove 'amount_field'.");
            }
            if (!FieldPathPattern().IsMatch(field.Value))
            {
                Error(DiagnosticCodes.InvalidLimit, field.Location, $"'amount_field' '{field.Value}' is not a payload path.",
                    "Write dot-separated property names, for example claim.amount.");
            }
        }
        return new LimitDefinition(limits.PerMinute?.Value, limits.PerHour?.Value, limits.PerDay?.Value, limits.MaxAmount?.Value, limits.AmountField?.Value,
            limits.Location);
    }
}
