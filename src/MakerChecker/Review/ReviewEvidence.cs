namespace MakerChecker.Review;

/// <summary>A sign-off the gate refused, as the detector sees it.</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="RequestId">The request.</param>
/// <param name="ReviewerId">Who tried to sign.</param>
/// <param name="ReasonCode">Why it was refused, for example <c>review_too_fast</c>.</param>
/// <param name="At">When.</param>
/// <param name="DwellMs">The dwell the attempt would have had, when a presentation was on record.</param>
public sealed record RefusedSignOff(long Seq, string RequestId, string ReviewerId, string ReasonCode, DateTimeOffset At, long? DwellMs);

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

    /// <summary>Break-glass uses, all of which await review.</summary>
    public IList<BreakGlassUse> BreakGlassUses { get; } = [];

    /// <summary>Every policy put in force, in log order, with what changed from the one before.</summary>
    public IList<PolicyActivationRecord> PolicyActivations { get; } = [];
}
