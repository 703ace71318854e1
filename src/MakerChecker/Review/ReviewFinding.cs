namespace MakerChecker.Review;

/// <summary>How strongly a finding suggests sign-offs that were not reviews.</summary>
public enum FindingSeverity
{
    /// <summary>Worth a look.</summary>
    Info,

    /// <summary>A pattern that needs an explanation.</summary>
    Warning,

    /// <summary>A pattern that is very hard to square with real review.</summary>
    High,
}

/// <summary>The stable kinds of finding.</summary>
public static class FindingKinds
{
    /// <summary>A large share of sign-offs came faster than the fast-dwell threshold.</summary>
    public const string FastDwell = "fast_dwell";

    /// <summary>Many sign-offs with the same outcome within a short window.</summary>
    public const string Burst = "burst";

    /// <summary>Sign-offs in bursts that all give the same reason text: a pasted justification, not a reading of each case.</summary>
    public const string SameReasonBurst = "same_reason_burst";

    /// <summary>Sign-offs with no presentation on record.</summary>
    public const string MissingPresentation = "missing_presentation";

    /// <summary>Dwell that barely varies across cases.</summary>
    public const string UniformDwell = "uniform_dwell";

    /// <summary>Near-total agreement with the proposer at volume.</summary>
    public const string HighAgreement = "high_agreement";

    /// <summary>More sign-offs in an hour than a person can plausibly review.</summary>
    public const string OverCapacity = "over_capacity";

    /// <summary>Sign-offs the gate refused as faster than the policy's <c>min_review</c>.</summary>
    public const string RefusedTooFast = "refused_too_fast";
}

/// <summary>One piece of evidence behind a finding.</summary>
/// <param name="Seq">The audit event's sequence number.</param>
/// <param name="RequestId">The request.</param>
/// <param name="DwellMs">The dwell in milliseconds, or <see langword="null"/> without a presentation.</param>
/// <param name="DecidedAt">When the sign-off happened.</param>
public sealed record FindingEvidence(long Seq, string RequestId, long? DwellMs, DateTimeOffset DecidedAt);

/// <summary>A pattern in one reviewer's sign-offs, with the thresholds that triggered it and the evidence rows.</summary>
/// <param name="ReviewerId">The reviewer.</param>
/// <param name="Kind">One of <see cref="FindingKinds"/>.</param>
/// <param name="Severity">How strongly the pattern suggests sign-offs that were not reviews.</param>
/// <param name="Message">What was found, with figures.</param>
/// <param name="Thresholds">The thresholds that triggered the finding, by name.</param>
/// <param name="Count">How many sign-offs the finding covers (exact, even when <paramref name="Evidence"/> is truncated).</param>
/// <param name="Evidence">The evidence rows, at most <see cref="ReviewDetectionOptions.MaxEvidenceRows"/>.</param>
public sealed record ReviewFinding(
    string ReviewerId,
    string Kind,
    FindingSeverity Severity,
    string Message,
    IReadOnlyDictionary<string, string> Thresholds,
    int Count,
    IReadOnlyList<FindingEvidence> Evidence);
