namespace MakerChecker.Policy.Model;

/// <summary>
/// The approval requirement on a grant: how many distinct, eligible approvers must sign, who is eligible, and the
/// floors on how a sign-off may happen.
/// </summary>
public sealed class GateDefinition
{
    internal GateDefinition(
        int approvers,
        IReadOnlyList<string> approverRoles,
        bool approverRolesDefaulted,
        bool forbidRequester,
        TimeSpan minReview,
        TimeSpan expiresAfter,
        bool allowAgentApprovers,
        bool requirePresentation,
        double sample,
        IReadOnlyList<string> breakGlassRoles,
        SourceLocation location)
    {
        Approvers = approvers;
        ApproverRoles = approverRoles;
        ApproverRolesDefaulted = approverRolesDefaulted;
        ForbidRequester = forbidRequester;
        MinReview = minReview;
        ExpiresAfter = expiresAfter;
        AllowAgentApprovers = allowAgentApprovers;
        RequirePresentation = requirePresentation;
        Sample = sample;
        BreakGlassRoles = breakGlassRoles;
        Location = location;
    }

    /// <summary>The number of distinct sign-offs required. At least 1.</summary>
    public int Approvers { get; }

    /// <summary>
    /// The roles whose principals may sign, sorted. When the policy does not name them, these are the roles that
    /// grant the same skill version (<see cref="ApproverRolesDefaulted"/> is then <see langword="true"/>).
    /// </summary>
    public IReadOnlyList<string> ApproverRoles { get; }

    /// <summary>Whether <see cref="ApproverRoles"/> was derived rather than written.</summary>
    public bool ApproverRolesDefaulted { get; }

    /// <summary>Whether the requester is barred from signing their own request. <value>The default value is <see langword="true"/>.</value></summary>
    public bool ForbidRequester { get; }

    /// <summary>The least time between presentation and sign-off; a faster sign-off is refused. <value>The default value is zero.</value></summary>
    public TimeSpan MinReview { get; }

    /// <summary>How long a request stays approvable and executable after it is opened. <value>The default value is 72 hours.</value></summary>
    public TimeSpan ExpiresAfter { get; }

    /// <summary>Whether agents may sign this gate. <value>The default value is <see langword="false"/>.</value></summary>
    public bool AllowAgentApprovers { get; }

    /// <summary>
    /// Whether a sign-off requires a prior presentation of the case to that reviewer. <value>The default value is <see langword="true"/>.</value>
    /// </summary>
    public bool RequirePresentation { get; }

    /// <summary>
    /// The share of invocations routed to the gate, from 0 (exclusive) to 1. At 1 every invocation needs approval;
    /// below 1 the gate samples that share of otherwise-allowed invocations for review. <value>The default value is 1.</value>
    /// </summary>
    public double Sample { get; }

    /// <summary>Roles that may run the skill without approval in an emergency, with a mandatory justification. Empty when break-glass is not allowed.</summary>
    public IReadOnlyList<string> BreakGlassRoles { get; }

    /// <summary>Where the gate was written.</summary>
    public SourceLocation Location { get; }

    /// <summary>Whether every invocation is gated (no sampling).</summary>
    public bool GatesEveryInvocation => Sample >= 1.0;
}
