using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Parsing;

/// <summary>
/// Turns YAML documents into a <see cref="PolicyDraft"/>. Two forms are accepted, and may be mixed:
/// a document with a top-level <c>role:</c> key is one role (the product brief's role-per-document form); any other
/// document holds policy sections (<c>policy</c>, <c>skills</c>, <c>roles</c>, <c>principals</c>, <c>separation</c>).
/// </summary>
internal sealed class PolicyReader
{
    private static readonly Dictionary<string, RiskTier> RiskTiers = new(StringComparer.Ordinal)
    {
        ["low"] = RiskTier.Low, ["medium"] = RiskTier.Medium, ["high"] = RiskTier.High,
    };

    private static readonly Dictionary<string, PrincipalKind> Kinds = new(StringComparer.Ordinal)
    {
        ["agent"] = PrincipalKind.Agent, ["human"] = PrincipalKind.Human, ["service"] = PrincipalKind.Service,
    };

    private static readonly Dictionary<string, PrincipalStatus> Statuses = new(StringComparer.Ordinal)
    {
        ["active"] = PrincipalStatus.Active, ["suspended"] = PrincipalStatus.Suspended, ["retired"] = PrincipalStatus.Retired,
    };

    private readonly List<PolicyDiagnostic> _diagnostics;
    private readonly PolicyDraft _draft = new();

    private PolicyReader(List<PolicyDiagnostic> diagnostics) => _diagnostics = diagnostics;

    public static PolicyDraft Read(IReadOnlyList<YamlNode> documents, List<PolicyDiagnostic> diagnostics)
    {
        var reader = new PolicyReader(diagnostics);
        foreach (var document in documents) reader.ReadDocument(document);
        return reader._draft;
    }

    private void ReadDocument(YamlNode document)
    {
        if (document is YamlScalar { IsNull: true }) return; // an empty document between '---' separators
        if (document is not YamlMapping mapping)
        {
            Error(DiagnosticCodes.WrongType, document.Location, $"A policy document must be a mapping, not {document.Describe()}.",
                "Start the document with 'role:' (one role per document) or with sections such as 'roles:' and 'principals:'.");
            return;
        }

        if (mapping.Entries.Any(e => e.Key.Value == "role"))
        {
            ReadRole(mapping);
            return;
        }

        var top = new MappingReader(mapping, PolicyKeys.Document, "the top level of a policy", _diagnostics);
        if (top.Map("policy", PolicyKeys.Header, "'policy'") is { } header)
        {
            if (_draft.HeaderLocation is { } first)
            {
                header.Report(DiagnosticCodes.DuplicateKey, header.Location, $"A second 'policy' header (the first is at line {first.Line}).",
                    "Keep one 'policy' header for the whole policy.");
            }
            else
            {
                _draft.HeaderLocation = header.Location;
                _draft.Name = header.String("name");
                _draft.Version = header.String("version");
                header.String("description");
                if (header.Map("changes", PolicyKeys.Changes, "'policy.changes'") is { } changes) _draft.Changes = ReadChanges(changes);
            }
        }

        foreach (var item in Items(top, "skills", "a skill")) ReadSkill(item);
        foreach (var item in Items(top, "roles", "a role")) ReadRole(item);
        foreach (var item in Items(top, "principals", "a principal")) ReadPrincipal(item);
        foreach (var item in Items(top, "separation", "a separation constraint")) ReadSeparation(item);
    }

    private IEnumerable<YamlMapping> Items(MappingReader parent, string key, string what)
    {
        foreach (var item in parent.List(key) ?? [])
        {
            if (item is YamlMapping mapping)
            {
                yield return mapping;
            }
            else
            {
                Error(DiagnosticCodes.WrongType, item.Location, $"Each item of '{key}' must be {what} written as a mapping, not {item.Describe()}.",
                    $"See docs/policy-reference.md for the form of '{key}'.");
            }
        }
    }

    private void ReadSkill(YamlMapping mapping)
    {
        var skill = new MappingReader(mapping, PolicyKeys.Skill, "a skill", _diagnostics);
        var name = skill.String("skill", required: true, "Name the skill without a version, for example 'skill: coverage.deny'.");
        var versions = skill.Names("versions");
        if (versions is null) skill.ReportMissing("versions", "List the skill's versions, for example 'versions: [1]'.");
        var risk = skill.Enum("risk", RiskTiers);
        var description = skill.String("description");
        if (name is { } n) _draft.Skills.Add(new SkillDraft(n, versions ?? [], risk, description?.Value, mapping.Location));
    }

    private void ReadRole(YamlMapping mapping)
    {
        var role = new MappingReader(mapping, PolicyKeys.Role, "a role", _diagnostics);
        var name = role.String("role", required: true, "Name the role, for example 'role: medical-reviewer'.");
        role.String("description");
        var grants = new List<GrantDraft>();
        foreach (var item in role.List("grants") ?? []) if (ReadGrant(item) is { } grant) grants.Add(grant);
        var forbidden = new List<Located<string>>();
        foreach (var item in role.List("forbidden") ?? [])
        {
            if (SkillEntry(item, PolicyKeys.Forbidden, "a forbidden entry", out var entry) is { } skill) forbidden.Add(skill);
            entry?.String("reason");
        }
        if (name is { } n) _draft.Roles.Add(new RoleDraft(n, grants, forbidden, mapping.Location));
    }

    /// <summary>A grant or forbidden entry: a mapping with 'skill:', or the skill written alone as shorthand.</summary>
    private Located<string>? SkillEntry(YamlNode item, string[] keys, string context, out MappingReader? entry)
    {
        entry = null;
        switch (item)
        {
            case YamlScalar { IsNull: false } scalar:
                return new Located<string>(scalar.Value, scalar.Location);
            case YamlMapping mapping:
                entry = new MappingReader(mapping, keys, context, _diagnostics);
                return entry.String("skill", required: true, "Name the skill, for example 'skill: coverage.deny@1'.");
            default:
                Error(DiagnosticCodes.WrongType, item.Location, $"Each item must be {context} ('- skill: name@version'), not {item.Describe()}.",
                    "Write '- skill: coverage.deny@1'.");
                return null;
        }
    }

    private GrantDraft? ReadGrant(YamlNode item)
    {
        var skill = SkillEntry(item, PolicyKeys.Grant, "a grant", out var grant);
        if (skill is null) return null;
        if (grant is null) return new GrantDraft(skill.Value, null, null, null, item.Location);
        grant.String("description");
        var risk = grant.Enum("risk", RiskTiers);
        var gate = grant.Map("gate", PolicyKeys.Gate, "a gate") is { } g ? ReadGate(g) : null;
        var limits = grant.Map("limits", PolicyKeys.Limits, "'limits'") is { } l ? ReadLimits(l) : null;
        return new GrantDraft(skill.Value, risk, gate, limits, item.Location);
    }

    private static GateDraft ReadGate(MappingReader gate)
    {
        List<Located<string>>? breakGlass = null;
        if (gate.Map("break_glass", PolicyKeys.BreakGlass, "'break_glass'") is { } bg)
        {
            breakGlass = bg.Names("roles");
            if (breakGlass is null || breakGlass.Count == 0)
            {
                bg.ReportMissing("roles",
                    "Name the roles allowed to break the glass, for example 'roles: [on-call-medical-director]', or remove 'break_glass'.");
            }
        }
        return new GateDraft(
            gate.Integer("approvers"),
            gate.Names("approver_roles"),
            gate.Boolean("forbid_requester"),
            gate.Duration("min_review"),
            gate.Duration("expires_after"),
            gate.Boolean("allow_agent_approvers"),
            gate.Boolean("require_presentation"),
            gate.Fraction("sample"),
            breakGlass,
            gate.Location);
    }

    private static ChangesDraft ReadChanges(MappingReader changes)
    {
        var proposers = changes.Names("proposer_roles");
        if (proposers is null && !changes.Has("proposer_roles"))
        {
            changes.ReportMissing("proposer_roles", "Name the roles that may propose a new policy, for example 'proposer_roles: [compliance-officer]'.");
        }
        var approverRoles = changes.Names("approver_roles");
        if (approverRoles is null && !changes.Has("approver_roles"))
        {
            changes.ReportMissing("approver_roles", "Name the roles whose humans approve a new policy, for example 'approver_roles: [medical-director]'.");
        }
        List<Located<string>>? breakGlass = null;
        if (changes.Map("break_glass", PolicyKeys.BreakGlass, "'break_glass'") is { } bg)
        {
            breakGlass = bg.Names("roles");
            if (breakGlass is null || breakGlass.Count == 0)
            {
                bg.ReportMissing("roles", "Name the roles allowed to activate a policy without approval, or remove 'break_glass'.");
            }
        }
        return new ChangesDraft(proposers, changes.Integer("approvers"), approverRoles, changes.Duration("min_review"), changes.Duration("expires_after"),
            breakGlass, changes.Location);
    }

    private static LimitDraft ReadLimits(MappingReader limits) =>
        new(limits.Integer("per_minute"), limits.Integer("per_hour"), limits.Integer("per_day"),
            limits.Decimal("max_amount"), limits.String("amount_field"), limits.Location);

    private void ReadPrincipal(YamlMapping mapping)
    {
        var principal = new MappingReader(mapping, PolicyKeys.Principal, "a principal", _diagnostics);
        var id = principal.String("id", required: true, "Give the principal a stable id, for example 'id: screener-bot-1'.");
        principal.String("name");
        if (principal.Has("roles"))
        {
            principal.Report(DiagnosticCodes.PrincipalRoleCount, principal.KeyLocation("roles"),
                "A principal holds exactly one role; 'roles' is not allowed.",
                "Write 'role: <name>'. A person who needs two roles needs two identities, so that separation of duties can be checked.");
        }
        var kind = principal.Enum("kind", Kinds);
        if (kind is null && !principal.Has("kind")) principal.ReportMissing("kind", "Add 'kind: agent', 'kind: human' or 'kind: service'.");
        var role = principal.String("role", required: !principal.Has("roles"), "Add 'role: <name>' naming the one role the principal holds.");
        var owner = principal.String("owner");
        var status = principal.Enum("status", Statuses);
        if (id is { } i) _draft.Principals.Add(new PrincipalDraft(i, kind, role, owner, status, mapping.Location));
    }

    private void ReadSeparation(YamlMapping mapping)
    {
        var separation = new MappingReader(mapping, PolicyKeys.Separation, "a separation constraint", _diagnostics);
        separation.String("reason");
        var roles = separation.Names("roles");
        if (roles is null)
        {
            separation.ReportMissing("roles", "List the conflicting roles, for example 'roles: [claims-screener, medical-reviewer]'.");
            return;
        }
        _draft.Separations.Add(new SeparationDraft(roles, mapping.Location));
    }

    private void Error(string code, SourceLocation location, string message, string hint) =>
        _diagnostics.Add(new PolicyDiagnostic(code, DiagnosticSeverity.Error, location, message, hint));
}
