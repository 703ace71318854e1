namespace MakerChecker.Review;

/// <summary>A sign-off the gate refused, as the detector sees it.</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="RequestId">The request.</param>
/// <param name="ReviewerId">Who tried to sign.</param>
/// <param name="ReasonCode">Why it was refused, for example <c>review_too_fast</c>.</param>
/// <param name="At">When.</param>
/// <param name="DwellMs">The dwell the attempt would have had, when a presentation was on record.</param>
public sealed record RefusedSignOff(long Seq, string RequestId, string ReviewerId, string ReasonCode, DateTimeOffset At, long? DwellMs);

/// <summary>One approval request's life, as the audit log records it.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Skill">Its skill.</param>
/// <param name="RequestedAt">When it was opened.</param>
/// <param name="ExpiresAt">When it expires unless run.</param>
public sealed record RequestTimeline(string RequestId, string Skill, DateTimeOffset RequestedAt, DateTimeOffset ExpiresAt)
{
    /// <summary>When the first accepted sign-off was made, or <see langword="null"/>.</summary>
    public DateTimeOffset? FirstSignOffAt { get; set; }

    /// <summary>When it was closed (rejected, run, failed or lapsed), or <see langword="null"/> while open.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>When its lapse was recorded (<c>approval.expired</c>), or <see langword="null"/>.</summary>
    public DateTimeOffset? ExpiredAt { get; set; }
}

/// <summary>An appeal outcome recorded against an executed request (<c>appeal.recorded</c>).</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="RequestId">The request.</param>
/// <param name="Skill">Its skill.</param>
/// <param name="Overturned">Whether the decision was reversed (else upheld).</param>
/// <param name="Approvers">The approvers whose approvals let it run.</param>
/// <param name="At">When the outcome was recorded.</param>
public sealed record AppealRecord(long Seq, string RequestId, string Skill, bool Overturned, IReadOnlyList<string> Approvers, DateTimeOffset At);

/// <summary>One use of break-glass, which must be reviewed afterwards.</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="PrincipalId">Who broke the glass.</param>
/// <param name="Skill">The skill run without approval.</param>
/// <param name="Justification">The stated justification.</param>
/// <param name="At">When.</param>
public sealed record BreakGlassUse(long Seq, string PrincipalId, string Skill, string Justification, DateTimeOffset At);

/// <summary>
/// What the detector reads: sign-offs, refused sign-offs, automated decisions per skill and break-glass uses.
/// Build it from an audit log with <c>ReviewEvidenceReader</c>, or fill it directly.
/// </summary>
public sealed class ReviewEvidence
{
    /// <summary>Accepted sign-offs.</summary>
    public IList<SignOffRecord> SignOffs { get; } = [];

    /// <summary>Sign-offs the gate refused.</summary>
    public IList<RefusedSignOff> RefusedSignOffs { get; } = [];

    /// <summary>Per skill: how many invocations automation decided (allowed or routed to a request).</summary>
    public IDictionary<string, int> AutomatedDecisions { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Per skill: how many requests reached at least one accepted human sign-off.</summary>
    public IDictionary<string, int> ReviewedDecisions { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Break-glass uses awaiting review: those with no <c>breakglass.reviewed</c> in the evidence.</summary>
    public IList<BreakGlassUse> BreakGlassUses { get; } = [];

    /// <summary>
    /// The skills whose grants can be gated or sampled (a gate in any recorded policy, or any request opened): review
    /// coverage is reported for these only. Empty means unknown, and then every skill is reported.
    /// </summary>
    public ISet<string> ReviewableSkills { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Every approval request: when it was opened, first signed, closed, and whether it lapsed.</summary>
    public IList<RequestTimeline> Requests { get; } = [];

    /// <summary>Appeal outcomes the app recorded against executed requests.</summary>
    public IList<AppealRecord> Appeals { get; } = [];

    /// <summary>The time of the last event read: "now" for the age of requests still open.</summary>
    public DateTimeOffset? LastEventAt { get; set; }

    /// <summary>Every policy put in force, in log order, with what changed from the one before.</summary>
    public IList<PolicyActivationRecord> PolicyActivations { get; } = [];
}
