namespace MakerChecker.Gates;

/// <summary>
/// A snapshot of one approval request: a gated invocation bound to the exact payload it will run with, the proposer's
/// basis, and the presentations and sign-offs so far. Snapshots do not change; ask the gate again for a newer one.
/// </summary>
public sealed class ApprovalRequest
{
    internal ApprovalRequest(
        string id, string skill, string requesterId, string payloadDigest, ProposalBasis? basis, string policyHash, string rule,
        DateTimeOffset requestedAt, DateTimeOffset expiresAt, int requiredApprovals, bool sampled, ApprovalStatus status,
        IReadOnlyList<Presentation> presentations, IReadOnlyList<SignOff> signOffs)
    {
        Id = id;
        Skill = skill;
        RequesterId = requesterId;
        PayloadDigest = payloadDigest;
        Basis = basis;
        PolicyHash = policyHash;
        Rule = rule;
        RequestedAt = requestedAt;
        ExpiresAt = expiresAt;
        RequiredApprovals = requiredApprovals;
        Sampled = sampled;
        Status = status;
        Presentations = presentations;
        SignOffs = signOffs;
    }

    /// <summary>The request's id.</summary>
    public string Id { get; }

    /// <summary>The skill to run, <c>name@version</c>.</summary>
    public string Skill { get; }

    /// <summary>The maker: the principal who invoked the skill and alone may execute it once approved.</summary>
    public string RequesterId { get; }

    /// <summary>The digest of the payload the request is bound to: <c>sha256:</c> + lowercase hex of its canonical JSON.</summary>
    public string PayloadDigest { get; }

    /// <summary>The proposer's stated basis, or <see langword="null"/> when none was given.</summary>
    public ProposalBasis? Basis { get; }

    /// <summary>The hash of the policy in force when the request was opened.</summary>
    public string PolicyHash { get; }

    /// <summary>The gate that required approval, as <c>file:line</c>.</summary>
    public string Rule { get; }

    /// <summary>When the request was opened.</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>When the request stops being approvable and executable.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>The number of distinct approvals the gate required when the request was opened.</summary>
    public int RequiredApprovals { get; }

    /// <summary>Whether the request was opened because the gate's sampling drew this invocation.</summary>
    public bool Sampled { get; }

    /// <summary>The status at the time of the snapshot.</summary>
    public ApprovalStatus Status { get; }

    /// <summary>Every presentation of the case, in order.</summary>
    public IReadOnlyList<Presentation> Presentations { get; }

    /// <summary>Every accepted sign-off, in order.</summary>
    public IReadOnlyList<SignOff> SignOffs { get; }
}
