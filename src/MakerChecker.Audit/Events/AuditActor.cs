namespace MakerChecker.Audit.Events;

/// <summary>
/// Who caused an audit event: the <c>actor</c> object of audit-spec v1, hashed as <c>{"kind","id"}</c>
/// plus <c>"role"</c> when a role is known.
/// </summary>
/// <param name="Kind">The actor's kind: <c>agent</c>, <c>human</c>, <c>service</c> or <c>system</c>.</param>
/// <param name="Id">The principal's stable identifier.</param>
/// <param name="Role">The role the principal acted in, or <see langword="null"/> when none applies.</param>
public sealed record AuditActor(string Kind, string Id, string? Role = null)
{
    /// <summary>The actor used for events the log writes about itself, such as <c>audit.genesis</c>.</summary>
    public static AuditActor System { get; } = new("system", "instance");
}
