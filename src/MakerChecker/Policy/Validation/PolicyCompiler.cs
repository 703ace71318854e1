using System.Text.RegularExpressions;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Policy.Validation;

/// <summary>
/// Checks a <see cref="PolicyDraft"/> as a whole (names, references, contradictions, satisfiability, separation of
/// duties) and compiles it into a <see cref="CompiledPolicy"/>. Every problem is reported; a policy with any error
/// is not compiled, so a policy that loads means exactly what it says.
/// </summary>
internal sealed partial class PolicyCompiler
{
    /// <summary>How long a request stays approvable when the gate does not say.</summary>
    public static readonly TimeSpan DefaultExpiresAfter = TimeSpan.FromHours(72);

    private readonly string _file;
    private readonly List<PolicyDiagnostic> _diagnostics;
    private readonly Dictionary<string, SkillDefinition> _skills = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleDraft> _roleDrafts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrincipalDefinition> _principals = new(StringComparer.Ordinal);

    private PolicyCompiler(string file, List<PolicyDiagnostic> diagnostics)
    {
        _file = file;
        _diagnostics = diagnostics;
    }

    public static CompiledPolicy? Compile(PolicyDraft draft, string file, List<PolicyDiagnostic> diagnostics)
    {
        var compiler = new PolicyCompiler(file, diagnostics);
        return compiler.Run(draft);
    }

    private CompiledPolicy? Run(PolicyDraft draft)
    {
        if (draft.Roles.Count == 0)
        {
            if (!_diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                Error(DiagnosticCodes.EmptyPolicy, new SourceLocation(_file, 1, 1), "The policy declares no roles, so it would refuse everything.",
                    "Declare at least one role, for example 'role: claims-screener' with its grants.");
            }
            return null;
        }

        CollectSkills(draft);
        CollectRoles(draft);
        var grants = _roleDrafts.Values.ToDictionary(r => r.Name.Value, CompileGrants, StringComparer.Ordinal);
        var separations = CompileSeparations(draft);
        CollectPrincipals(draft);

        var roles = new List<RoleDefinition>();
        foreach (var (name, roleDraft) in _roleDrafts)
        {
            var compiledGrants = grants[name].Select(g => CompileGrant(name, g, grants)).ToList();
            var forbidden = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
            foreach (var f in roleDraft.Forbidden) forbidden.TryAdd(f.Value, f.Location);
            roles.Add(new RoleDefinition(name, compiledGrants, forbidden, roleDraft.Location));
        }

        CheckPrincipalSeparation(separations);
        CheckGatesSatisfiable(roles);

        if (_diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return null;

        var policyName = draft.Name?.Value ?? Path.GetFileNameWithoutExtension(_file);
        var hash = PolicyCanonicalForm.ComputeHash(roles, _skills.Values, _principals.Values, separations);
        var warnings = _diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();
        return new CompiledPolicy(policyName, draft.Version?.Value, _file, hash, roles, _skills.Values, _principals.Values, separations, warnings);
    }

    private void CollectSkills(PolicyDraft draft)
    {
        foreach (var skill in draft.Skills)
        {
            if (!SkillId.IsValidName(skill.Name.Value))
            {
                Error(DiagnosticCodes.MalformedSkill, skill.Name.Location, $"'{skill.Name.Value}' is not a valid skill name.",
                    skill.Name.Value.Contains('@', StringComparison.Ordinal)
                        ? "In the catalogue, name the skill without a version and list versions under 'versions'."
                        : "Use lowercase letters, digits, '-' and '_', in dot-separated segments, for example coverage.deny.");
                continue;
            }
            var versions = new List<string>();
            foreach (var version in skill.Versions)
            {
                if (!SkillId.IsValidVersion(version.Value))
                    Error(DiagnosticCodes.MalformedSkill, version.Location, $"'{version.Value}' is not a valid version of '{skill.Name.Value}'.", "Write versions as numbers such as 1 or 2.1.");
                else if (versions.Contains(version.Value))
                    Error(DiagnosticCodes.DuplicateSkill, version.Location, $"Version {version.Value} of '{skill.Name.Value}' is listed twice.", "List each version once.");
                else versions.Add(version.Value);
            }
            if (_skills.TryGetValue(skill.Name.Value, out var first))
            {
                Error(DiagnosticCodes.DuplicateSkill, skill.Name.Location, $"The skill '{skill.Name.Value}' is declared twice (first at line {first.Location.Line}).",
                    "Declare each skill once and list all its versions under 'versions'.");
                continue;
            }
            _skills.Add(skill.Name.Value, new SkillDefinition(skill.Name.Value, versions, skill.Risk?.Value ?? RiskTier.Low, skill.Description, skill.Name.Location));
        }
    }

    private void CollectRoles(PolicyDraft draft)
    {
        foreach (var role in draft.Roles)
        {
            if (!NamePattern().IsMatch(role.Name.Value))
            {
                Error(DiagnosticCodes.InvalidValue, role.Name.Location, $"'{role.Name.Value}' is not a valid role name.",
                    "Use letters, digits, '.', '-' and '_', starting with a letter or digit, for example medical-reviewer.");
                continue;
            }
            if (_roleDrafts.TryGetValue(role.Name.Value, out var first))
            {
                Error(DiagnosticCodes.DuplicateRole, role.Name.Location, $"The role '{role.Name.Value}' is declared twice (first at line {first.Name.Location.Line}).",
                    "Merge the two declarations into one role, or rename one of them.");
                continue;
            }
            _roleDrafts.Add(role.Name.Value, role);
        }
    }

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
                    $"'{entry.Value}' in the forbidden list of role '{role.Name.Value}' names a version, but 'forbidden' covers every version of a skill.",
                    $"Write '- skill: {versioned.Name}' to forbid every version; a role that should only lose one version simply must not grant it.");
                continue;
            }
            if (!SkillId.IsValidName(entry.Value))
            {
                Error(DiagnosticCodes.MalformedSkill, entry.Location, $"'{entry.Value}' in the forbidden list of role '{role.Name.Value}' is not a valid skill name.",
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
            if (forbidden.Contains(skill.Name))
            {
                Error(DiagnosticCodes.GrantedAndForbidden, grant.Skill.Location, $"Role '{role.Name.Value}' both grants '{skill}' and forbids '{skill.Name}'.",
                    "Decide which you mean: forbidden wins over any grant, so remove the grant or the forbidden entry.");
                // Keep checking the grant's gate and limits so that every problem is reported at once.
            }
            SkillDefinition? catalogued = null;
            if (_skills.Count > 0 && !_skills.TryGetValue(skill.Name, out catalogued))
            {
                Error(DiagnosticCodes.NotInCatalogue, grant.Skill.Location, $"Role '{role.Name.Value}' grants '{skill}', but the skill catalogue has no skill '{skill.Name}'.",
                    Suggest(skill.Name, _skills.Keys) is { } near ? $"Did you mean '{near}'? Otherwise add '{skill.Name}' to 'skills'." : $"Add '{skill.Name}' to 'skills', or correct the name.");
            }
            else if (catalogued is not null && !catalogued.Versions.Contains(skill.Version))
            {
                Error(DiagnosticCodes.NotInCatalogue, grant.Skill.Location, $"Role '{role.Name.Value}' grants version {skill.Version} of '{skill.Name}', but the catalogue lists only version(s) {string.Join(", ", catalogued.Versions)}.",
                    $"Grant a listed version, or add {skill.Version} to the skill's 'versions'.");
            }
            grants.Add((skill, grant));
        }
        return grants;
    }

    private GrantDefinition CompileGrant(string role, (SkillId Skill, GrantDraft Draft) grant, Dictionary<string, List<(SkillId Skill, GrantDraft Draft)>> allGrants)
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
                gate is null ? "Add a gate, for example 'gate: { approvers: 1, min_review: 30s }'." : "Remove 'sample' so that every invocation of a high-risk skill is approved.");
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

    private GateDefinition CompileGate(string role, SkillId skill, GateDraft gate, Dictionary<string, List<(SkillId Skill, GrantDraft Draft)>> allGrants)
    {
        var approvers = gate.Approvers?.Value ?? 1;
        if (gate.Approvers is { Value: < 1 } a)
        {
            Error(DiagnosticCodes.ApproversBelowOne, a.Location, $"The gate on '{skill}' in role '{role}' requires {a.Value} approvers; a gate needs at least 1.",
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
                $"The gate on '{skill}' in role '{role}' accepts sign-offs without a recorded presentation, so reviewer dwell time cannot be measured.",
                "Remove 'require_presentation: false' and record when each case is shown to its reviewer.");
        }
        var minReview = gate.MinReview?.Value ?? TimeSpan.Zero;
        var expiresAfter = gate.ExpiresAfter?.Value ?? DefaultExpiresAfter;
        if (gate.ExpiresAfter is { Value.Ticks: 0 } zero)
        {
            Error(DiagnosticCodes.InvalidDuration, zero.Location, $"'expires_after' on the gate of '{skill}' is zero, so no request could ever be approved.", "Give requests time to be reviewed, for example 'expires_after: 72h'.");
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
                Error(DiagnosticCodes.UnknownRole, name.Location, $"'{key}' on the gate of '{skill}' names the role '{name.Value}', which no role declares.",
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
                Error(DiagnosticCodes.InvalidLimit, v.Location, $"'{key}' on '{skill}' in role '{role}' is {v.Value}; a count limit must be at least 1.", "Set a positive count, or remove the grant if the skill must never run.");
        }
        if (limits.MaxAmount is { Value: <= 0 } m)
            Error(DiagnosticCodes.InvalidLimit, m.Location, $"'max_amount' on '{skill}' in role '{role}' is {m.Value}; it must be greater than 0.", "Set a positive ceiling.");
        if (limits.MaxAmount is not null && limits.AmountField is null)
            Error(DiagnosticCodes.InvalidLimit, limits.MaxAmount.Value.Location, $"'max_amount' on '{skill}' in role '{role}' has no 'amount_field' to read the amount from.", "Add 'amount_field:' with the payload path of the amount, for example claim.amount.");
        if (limits.AmountField is { } field)
        {
            if (limits.MaxAmount is null)
                Error(DiagnosticCodes.InvalidLimit, field.Location, $"'amount_field' on '{skill}' in role '{role}' has no 'max_amount'.", "Add 'max_amount:', or remove 'amount_field'.");
            if (!FieldPathPattern().IsMatch(field.Value))
                Error(DiagnosticCodes.InvalidLimit, field.Location, $"'amount_field' '{field.Value}' is not a payload path.", "Write dot-separated property names, for example claim.amount.");
        }
        return new LimitDefinition(limits.PerMinute?.Value, limits.PerHour?.Value, limits.PerDay?.Value, limits.MaxAmount?.Value, limits.AmountField?.Value, limits.Location);
    }

    private List<SeparationConstraint> CompileSeparations(PolicyDraft draft)
    {
        var result = new List<SeparationConstraint>();
        foreach (var separation in draft.Separations)
        {
            var roles = new List<string>();
            foreach (var role in separation.Roles)
            {
                if (!_roleDrafts.ContainsKey(role.Value))
                    Error(DiagnosticCodes.UnknownRole, role.Location, $"The separation constraint names the role '{role.Value}', which no role declares.",
                        Suggest(role.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
                else if (!roles.Contains(role.Value)) roles.Add(role.Value);
            }
            if (separation.Roles.Count < 2)
            {
                Error(DiagnosticCodes.InvalidValue, separation.Location, "A separation constraint needs at least two roles.", "List the roles that no principal may hold together, for example [claims-screener, medical-reviewer].");
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
                Error(DiagnosticCodes.DuplicatePrincipal, p.Id.Location, $"The principal '{p.Id.Value}' is declared twice (first at line {first.Location.Line}).", "Give each identity its own id.");
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
                Error(DiagnosticCodes.PrincipalUnknownRole, p.Role.Value.Location, $"The principal '{p.Id.Value}' holds the role '{p.Role.Value.Value}', which no role declares.",
                    Suggest(p.Role.Value.Value, _roleDrafts.Keys) is { } near ? $"Did you mean '{near}'?" : "Declare the role, or correct the name.");
                continue;
            }
            if (p.Kind.Value.Value == PrincipalKind.Agent && p.Owner is null)
            {
                Error(DiagnosticCodes.AgentWithoutOwner, p.Id.Location, $"The agent '{p.Id.Value}' has no owner.", "Add 'owner:' naming the accountable human, for example 'owner: dr.jones'. Agents are treated as employees: someone answers for them.");
            }
            _principals.Add(p.Id.Value, new PrincipalDefinition(p.Id.Value, p.Kind.Value.Value, p.Role.Value.Value, p.Status?.Value ?? PrincipalStatus.Active, p.Owner?.Value, p.Id.Location));
        }

        foreach (var principal in _principals.Values)
        {
            if (principal.Owner is null) continue;
            var ownerLocation = draft.Principals.First(d => d.Id.Value == principal.Id).Owner!.Value.Location;
            if (!_principals.TryGetValue(principal.Owner, out var owner))
            {
                Warning(DiagnosticCodes.OwnerNotDeclared, ownerLocation, $"The owner '{principal.Owner}' of '{principal.Id}' is not a declared principal, so separation of duties through ownership cannot be checked for it.",
                    "Declare the owner under 'principals' (kind: human).");
            }
            else if (owner.Kind != PrincipalKind.Human)
            {
                Error(DiagnosticCodes.AgentWithoutOwner, ownerLocation, $"The owner '{principal.Owner}' of '{principal.Id}' is a {owner.Kind.ToString().ToLowerInvariant()}, not a human.", "An owner is the accountable person: name a human principal.");
            }
        }
    }

    private void CheckPrincipalSeparation(List<SeparationConstraint> separations)
    {
        foreach (var principal in _principals.Values)
        {
            foreach (var diagnostic in SeparationChecks.Violations(principal, _principals.Values, separations)) _diagnostics.Add(diagnostic);
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
                : requesters.Select(r => (eligible.Count(e => !GateEligibility.IsExcludedFor(gate, e, r)), (PrincipalDefinition?)r)).MinBy(x => x.Item1);
            if (worstCount < gate.Approvers)
            {
                Error(DiagnosticCodes.GateUnsatisfiable, gate.Location,
                    $"The gate on '{grant.Skill}' in role '{grant.Role}' needs {gate.Approvers} approver(s), but only {worstCount} declared principal(s) can sign{(worstRequester is null ? "" : $" a request by '{worstRequester.Id}'")}.",
                    $"Eligible signers are active {(gate.AllowAgentApprovers ? "humans or agents" : "humans")} holding {string.Join(" or ", gate.ApproverRoles.DefaultIfEmpty("(no role)"))}, never the requester{(gate.ForbidRequester ? "" : " unless allowed")} or the requester's owner. Declare more reviewers or lower 'approvers'.");
            }
        }
    }

    private static string? Suggest(string value, IEnumerable<string> candidates) => PolicyKeys.Suggest(value, candidates.ToList());

    private void Error(string code, SourceLocation location, string message, string hint) =>
        _diagnostics.Add(new PolicyDiagnostic(code, DiagnosticSeverity.Error, location, message, hint));

    private void Warning(string code, SourceLocation location, string message, string hint) =>
        _diagnostics.Add(new PolicyDiagnostic(code, DiagnosticSeverity.Warning, location, message, hint));

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex FieldPathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")]
    private static partial Regex PrincipalIdPattern();
}
