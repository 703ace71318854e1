namespace MakerChecker.Gates;

/// <summary>
/// The live state of one request: a projection of its audit events. Fields change only in
/// <see cref="GateProjection.Apply"/>, under this object's lock; the gate's decision lock serialises each
/// check → compare-and-append → apply sequence, so two callers never both pass a check that only one of them may pass.
/// </summary>
internal sealed class RequestState(
    string id, string skill, string requesterId, string payloadDigest, ProposalBasis? basis, string policyHash, string rule,
    DateTimeOffset requestedAt, DateTimeOffset expiresAt, int requiredApprovals, bool sampled)
{
    private readonly List<Presentation> _presentations = [];
    private readonly List<SignOff> _signOffs = [];

    public string Id { get; } = id;

    /// <summary>The run id of the request's case (from its subject), which every event about it carries; null when it has none.</summary>
    public string? RunId { get; init; }

    public string Skill { get; } = skill;

    /// <summary>The case size from the proposer's basis, or null when none was given.</summary>
    public int? CaseSize => basis?.CaseSize;

    public string RequesterId { get; } = requesterId;

    public string PayloadDigest { get; } = payloadDigest;

    public string PolicyHash { get; } = policyHash;

    public string Rule { get; } = rule;

    public DateTimeOffset RequestedAt { get; } = requestedAt;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public int RequiredApprovals { get; } = requiredApprovals;

    /// <summary>
    /// The stored status. <see cref="ApprovalStatus.Expired"/> is stored once <c>approval.expired</c> is recorded; before
    /// that, a snapshot derives it from the clock.
    /// </summary>
    public ApprovalStatus Status { get; private set; } = ApprovalStatus.Pending;

    public bool IsOpen => Status is ApprovalStatus.Pending or ApprovalStatus.Approved;

    /// <summary>Whether nothing more can happen to it (rejected, executed, failed, or recorded expired): the projection lets it go.</summary>
    public bool IsClosed => Status is ApprovalStatus.Rejected or ApprovalStatus.Executed or ApprovalStatus.Failed or ApprovalStatus.Expired;

    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;

    public IReadOnlyList<SignOff> SignOffs => _signOffs;

    /// <summary>When the case was first shown to <paramref name="reviewerId"/>: dwell runs from the first presentation.</summary>
    public DateTimeOffset? FirstPresentedTo(string reviewerId)
    {
        lock (this)
        {
            foreach (var p in _presentations)
            {
                if (p.ReviewerId == reviewerId) return p.PresentedAt;
            }
            return null;
        }
    }

    public bool HasSigned(string reviewerId)
    {
        lock (this)
        {
            // A loop, not a predicate: the sign-off rule asks this on every sign-off and must not allocate.
            foreach (var s in _signOffs)
            {
                if (s.ReviewerId == reviewerId) return true;
            }
            return false;
        }
    }

    public SignOff[] SignOffsSnapshot()
    {
        lock (this) return [.. _signOffs];
    }

    public void AddPresentation(Presentation presentation)
    {
        lock (this) _presentations.Add(presentation);
    }

    public void AddSignOff(SignOff signOff)
    {
        lock (this)
        {
            _signOffs.Add(signOff);
            if (!signOff.Approved) Status = ApprovalStatus.Rejected;
            else if (Status == ApprovalStatus.Pending && _signOffs.Count(s => s.Approved) >= RequiredApprovals) Status = ApprovalStatus.Approved;
        }
    }

    /// <summary>The outcome of an appeal recorded against the request, or <see langword="null"/> when none was.</summary>
    public AppealOutcome? Appeal
    {
        get
        {
            lock (this) return _appeal;
        }
        set
        {
            lock (this) _appeal = value;
        }
    }

    private AppealOutcome? _appeal;

    /// <summary>The <c>executionId</c> of the last <c>action.started</c> (null before one, and in logs older than the field).</summary>
    public string? ExecutionId { get; private set; }

    public void Start(string? executionId)
    {
        lock (this)
        {
            Status = ApprovalStatus.Executing;
            ExecutionId = executionId;
        }
    }

    public void SetStatus(ApprovalStatus status)
    {
        lock (this) Status = status;
    }

    /// <summary>The proposer's basis, or null when none was given.</summary>
    public ProposalBasis? Basis => basis;

    public bool Sampled => sampled;

    public Presentation[] PresentationsSnapshot()
    {
        lock (this) return [.. _presentations];
    }

    /// <summary>Puts back what a gate snapshot recorded of the request (see <see cref="Snapshots.GateSnapshot"/>).</summary>
    public void Restore(
        ApprovalStatus status, string? executionId, AppealOutcome? appeal, IEnumerable<Presentation> presentations, IEnumerable<SignOff> signOffs)
    {
        lock (this)
        {
            Status = status;
            ExecutionId = executionId;
            _appeal = appeal;
            _presentations.AddRange(presentations);
            _signOffs.AddRange(signOffs);
        }
    }

    public ApprovalRequest Snapshot(DateTimeOffset now)
    {
        lock (this)
        {
            var status = IsOpen && IsExpiredAt(now) ? ApprovalStatus.Expired : Status;
            return new ApprovalRequest(
                Id, Skill, RequesterId, PayloadDigest, basis, PolicyHash, Rule, RequestedAt, ExpiresAt, RequiredApprovals, sampled, status,
                [.. _presentations], [.. _signOffs]);
        }
    }
}
