namespace MakerChecker.Policy.Model;

/// <summary>A named set of grants and forbidden skills. Deny by default; a forbidden skill wins over any grant.</summary>
public sealed class RoleDefinition
{
    private readonly Dictionary<string, GrantDefinition> _grants;
    private readonly Dictionary<string, SourceLocation> _forbidden;
    private readonly Dictionary<string, GrantDefinition>.AlternateLookup<ReadOnlySpan<char>> _grantsBySpan;
    private readonly Dictionary<string, SourceLocation>.AlternateLookup<ReadOnlySpan<char>> _forbiddenBySpan;

    internal RoleDefinition(string name, IEnumerable<GrantDefinition> grants, IReadOnlyDictionary<string, SourceLocation> forbidden, SourceLocation location)
    {
        Name = name;
        Location = location;
        _grants = grants.ToDictionary(g => g.Skill.ToString(), StringComparer.Ordinal);
        _forbidden = new Dictionary<string, SourceLocation>(forbidden, StringComparer.Ordinal);
        _grantsBySpan = _grants.GetAlternateLookup<ReadOnlySpan<char>>();
        _forbiddenBySpan = _forbidden.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The role's name.</summary>
    public string Name { get; }

    /// <summary>Where the role was declared.</summary>
    public SourceLocation Location { get; }

    /// <summary>The role's grants, keyed by <c>name@version</c>.</summary>
    public IReadOnlyDictionary<string, GrantDefinition> Grants => _grants;

    /// <summary>The skill names (every version) the role may never run, with where each was written.</summary>
    public IReadOnlyDictionary<string, SourceLocation> Forbidden => _forbidden;

    /// <summary>Finds the grant for an exact <c>name@version</c> without allocating.</summary>
    /// <param name="skill">The skill id as written, <c>name@version</c>.</param>
    /// <param name="grant">The grant, when the role has one for exactly that version.</param>
    public bool TryGetGrant(ReadOnlySpan<char> skill, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GrantDefinition? grant) =>
        _grantsBySpan.TryGetValue(skill, out grant);

    /// <summary>Whether the role forbids the skill named <paramref name="skillName"/> (any version), without allocating.</summary>
    /// <param name="skillName">The skill's name, without a version.</param>
    /// <param name="location">Where the prohibition was written, when it exists.</param>
    public bool IsForbidden(ReadOnlySpan<char> skillName, out SourceLocation location) =>
        _forbiddenBySpan.TryGetValue(skillName, out location);
}
