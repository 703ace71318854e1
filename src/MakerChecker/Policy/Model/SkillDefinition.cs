namespace MakerChecker.Policy.Model;

/// <summary>A skill in the policy's optional catalogue: its known versions, risk tier and description.</summary>
public sealed class SkillDefinition
{
    internal SkillDefinition(string name, IReadOnlyList<string> versions, RiskTier risk, string? description, SourceLocation location)
    {
        Name = name;
        Versions = versions;
        Risk = risk;
        Description = description;
        Location = location;
    }

    /// <summary>The skill's name, without a version.</summary>
    public string Name { get; }

    /// <summary>The versions that exist; a grant for any other version is an error.</summary>
    public IReadOnlyList<string> Versions { get; }

    /// <summary>The skill's risk tier, used where a grant does not state its own.</summary>
    public RiskTier Risk { get; }

    /// <summary>What the skill does, for people reading the policy.</summary>
    public string? Description { get; }

    /// <summary>Where the skill was declared.</summary>
    public SourceLocation Location { get; }
}
