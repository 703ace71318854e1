using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Validation;

namespace MakerChecker.Policy.Model;

/// <summary>
/// A policy that has been parsed and validated: immutable, and safe to share between threads. Obtain one from
/// <c>PolicyLoader</c>; a policy with any error never becomes a <see cref="CompiledPolicy"/>.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Dictionary<string, RoleDefinition> _roles;
    private readonly Dictionary<string, SkillDefinition> _skills;
    private readonly Dictionary<string, PrincipalDefinition> _principals;

    internal CompiledPolicy(
        string name,
        string? version,
        string source,
        string hash,
        IEnumerable<RoleDefinition> roles,
        IEnumerable<SkillDefinition> skills,
        IEnumerable<PrincipalDefinition> principals,
        IReadOnlyList<SeparationConstraint> separations,
        IReadOnlyList<PolicyDiagnostic> warnings,
        PolicyChangeControl? changes = null)
    {
        Name = name;
        Version = version;
        Source = source;
        Hash = hash;
        _roles = roles.ToDictionary(r => r.Name, StringComparer.Ordinal);
        _skills = skills.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _principals = principals.ToDictionary(p => p.Id, StringComparer.Ordinal);
        Separations = separations;
        Warnings = warnings;
        Changes = changes;
        _canonical = new Lazy<JsonElement>(() =>
        {
            var json = PolicyCanonicalForm.ToJson(_roles.Values, _skills.Values, _principals.Values, Separations, Changes);
            using var document = JsonDocument.Parse(JsonCanonicalizer.Canonicalize(json));
            return document.RootElement.Clone();
        });
    }

    private readonly Lazy<JsonElement> _canonical;

    /// <summary>
    /// Maker-checker on the policy itself (<c>policy.changes</c>): who may propose and approve its replacement, or
    /// <see langword="null"/> when the policy does not govern its own replacement (warning MC2006).
    /// </summary>
    public PolicyChangeControl? Changes { get; }

    /// <summary>
    /// The policy's canonical form (RFC 8785 JSON, <c>makerchecker-policy-canonical/1</c>): what <see cref="Hash"/> is the
    /// SHA-256 of, and what <c>policy.activated</c> records so that an inspector reads the rules from the log alone.
    /// </summary>
    internal JsonElement CanonicalForm => _canonical.Value;

    /// <summary>The policy's name (from <c>policy.name</c>, else the file name without extension).</summary>
    public string Name { get; }

    /// <summary>The policy's version as its author wrote it (<c>policy.version</c>), or <see langword="null"/>.</summary>
    public string? Version { get; }

    /// <summary>The file (or source name) the policy was loaded from.</summary>
    public string Source { get; }

    /// <summary>
    /// The policy hash: lowercase hex SHA-256 of the policy's canonical form, which ignores formatting, comments,
    /// key order and written-out defaults but changes with any change of meaning. Every decision and audit event carries it.
    /// </summary>
    public string Hash { get; }

    /// <summary>The roles, by name.</summary>
    public IReadOnlyDictionary<string, RoleDefinition> Roles => _roles;

    /// <summary>The skill catalogue, by skill name; empty when the policy has none.</summary>
    public IReadOnlyDictionary<string, SkillDefinition> Skills => _skills;

    /// <summary>The principals the policy declares, by id; apps may add more at run time.</summary>
    public IReadOnlyDictionary<string, PrincipalDefinition> Principals => _principals;

    /// <summary>The static separation-of-duties constraints.</summary>
    public IReadOnlyList<SeparationConstraint> Separations { get; }

    /// <summary>What is legal but suspicious in the policy (for example a gate with <c>forbid_requester: false</c>).</summary>
    public IReadOnlyList<PolicyDiagnostic> Warnings { get; }

    /// <summary>Finds a role by name.</summary>
    /// <param name="name">The role's name.</param>
    /// <param name="role">The role, when it exists.</param>
    public bool TryGetRole(string name, [NotNullWhen(true)] out RoleDefinition? role) => _roles.TryGetValue(name, out role);

    /// <summary>Finds a principal the policy declares.</summary>
    /// <param name="id">The principal's id.</param>
    /// <param name="principal">The principal, when the policy declares it.</param>
    public bool TryGetPrincipal(string id, [NotNullWhen(true)] out PrincipalDefinition? principal) => _principals.TryGetValue(id, out principal);
}
