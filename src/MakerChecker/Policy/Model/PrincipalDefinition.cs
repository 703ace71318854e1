namespace MakerChecker.Policy.Model;

/// <summary>
/// An identity that acts or signs, treated as an employee: exactly one role, a status, and for agents an
/// accountable human owner.
/// </summary>
public sealed class PrincipalDefinition
{
    /// <summary>Creates a principal. Apps that supply principals at run time use this; the policy validates them the same way.</summary>
    /// <param name="id">The principal's stable identifier.</param>
    /// <param name="kind">Agent, human or service.</param>
    /// <param name="role">The one role the principal holds.</param>
    /// <param name="status">Whether the principal may act.</param>
    /// <param name="owner">The accountable human's principal id; required for agents.</param>
    public PrincipalDefinition(string id, PrincipalKind kind, string role, PrincipalStatus status = PrincipalStatus.Active, string? owner = null)
        : this(id, kind, role, status, owner, default)
    {
    }

    internal PrincipalDefinition(string id, PrincipalKind kind, string role, PrincipalStatus status, string? owner, SourceLocation location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        Id = id;
        Kind = kind;
        Role = role;
        Status = status;
        Owner = owner;
        Location = location;
    }

    /// <summary>The principal's stable identifier.</summary>
    public string Id { get; }

    /// <summary>Agent, human or service.</summary>
    public PrincipalKind Kind { get; }

    /// <summary>The one role the principal holds.</summary>
    public string Role { get; }

    /// <summary>Whether the principal may act and sign.</summary>
    public PrincipalStatus Status { get; }

    /// <summary>The accountable human's id (required for agents), or <see langword="null"/>.</summary>
    public string? Owner { get; }

    /// <summary>Where the principal was declared; <c>default</c> for principals supplied at run time.</summary>
    public SourceLocation Location { get; }
}
