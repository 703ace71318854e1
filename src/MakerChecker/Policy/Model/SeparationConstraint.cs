namespace MakerChecker.Policy.Model;

/// <summary>
/// Static separation of duties: a set of roles that no single principal may hold together. A principal "holds" its
/// own role and the roles of the agents it owns, so an owner cannot approve what their own agent proposes.
/// </summary>
public sealed class SeparationConstraint
{
    internal SeparationConstraint(IReadOnlyList<string> roles, string? reason, SourceLocation location)
    {
        Roles = roles;
        Reason = reason;
        Location = location;
    }

    /// <summary>The conflicting roles, sorted.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>Why the roles conflict, for people reading the policy.</summary>
    public string? Reason { get; }

    /// <summary>Where the constraint was written.</summary>
    public SourceLocation Location { get; }
}
