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
        var changes = CompileChanges(draft);

        if (_diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error)) return null;

        var policyName = draft.Name?.Value ?? Path.GetFileNameWithoutExtension(_file);
        var hash = PolicyCanonicalForm.ComputeHash(roles, _skills.Values, _principals.Values, separations, changes);
        var warnings = _diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).ToList();
        return new CompiledPolicy(policyName, draft.Version?.Value, _file, hash, roles, _skills.Values, _principals.Values, separations,
            warnings, changes);
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
                {
                    Error(DiagnosticCodes.MalformedSkill, version.Location, $"'{version.Value}' is not a valid version of '{skill.Name.Value}'.",
                        "Write versions as numbers such as 1 or 2.1.");
                }
                else if (versions.Contains(version.Value))
                {
                    Error(DiagnosticCodes.DuplicateSkill, version.Location, $"Version {version.Value} of '{skill.Name.Value}' is listed twice.",
                        "List each version once.");
                }
                else
                {
                    versions.Add(version.Value);
                }
            }
            if (_skills.TryGetValue(skill.Name.Value, out var first))
            {
                Error(DiagnosticCodes.DuplicateSkill, skill.Name.Location,
                    $"The skill '{skill.Name.Value}' is declared twice (first at line {first.Location.Line}).",
                    "Declare each skill once and list all its versions under 'versions'.");
                continue;
            }
            _skills.Add(skill.Name.Value,
                new SkillDefinition(skill.Name.Value, versions, skill.Risk?.Value ?? RiskTier.Low, skill.Description, skill.Name.Location));
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
                Error(DiagnosticCodes.DuplicateRole, role.Name.Location,
                    $"The role '{role.Name.Value}' is declared twice (first at line {first.Name.Location.Line}).",
                    "Merge the two declarations into one role, or rename one of them.");
                continue;
            }
            _roleDrafts.Add(role.Name.Value, role);
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
