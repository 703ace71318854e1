namespace MakerChecker.Policy.Model;

/// <summary>A role's permission to run one exact skill version, optionally with limits and an approval gate.</summary>
public sealed class GrantDefinition
{
    internal GrantDefinition(string role, SkillId skill, RiskTier risk, GateDefinition? gate, LimitDefinition? limits, SourceLocation location)
    {
        Role = role;
        Skill = skill;
        Risk = risk;
        Gate = gate;
        Limits = limits;
        Location = location;
    }

    /// <summary>The role that holds the grant.</summary>
    public string Role { get; }

    /// <summary>The exact skill version granted.</summary>
    public SkillId Skill { get; }

    /// <summary>The risk tier: the grant's own, else the catalogue's, else <see cref="RiskTier.Low"/>.</summary>
    public RiskTier Risk { get; }

    /// <summary>The approval gate, or <see langword="null"/> when the grant allows the skill without approval.</summary>
    public GateDefinition? Gate { get; }

    /// <summary>The limits, or <see langword="null"/> when there are none.</summary>
    public LimitDefinition? Limits { get; }

    /// <summary>Where the grant was written: the rule a decision under this grant cites.</summary>
    public SourceLocation Location { get; }
}
