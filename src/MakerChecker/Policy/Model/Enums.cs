namespace MakerChecker.Policy.Model;

/// <summary>How much harm a skill can do. A high-risk grant must carry a gate.</summary>
public enum RiskTier
{
    /// <summary>Low risk (the default when neither the grant nor the catalogue says otherwise).</summary>
    Low,

    /// <summary>Medium risk.</summary>
    Medium,

    /// <summary>High risk: every invocation must pass an approval gate.</summary>
    High,
}

/// <summary>What kind of identity a principal is.</summary>
public enum PrincipalKind
{
    /// <summary>A software agent. It must have an accountable human <c>owner</c>, and never signs a gate unless the policy allows agent approvers.</summary>
    Agent,

    /// <summary>A person.</summary>
    Human,

    /// <summary>A non-agent service account.</summary>
    Service,
}

/// <summary>Whether a principal may act.</summary>
public enum PrincipalStatus
{
    /// <summary>The principal may act and sign.</summary>
    Active,

    /// <summary>Temporarily barred from acting or signing.</summary>
    Suspended,

    /// <summary>Permanently barred from acting or signing.</summary>
    Retired,
}
