namespace MakerChecker.Review;

/// <summary>One reviewer's accepted sign-off on one request, as the detector sees it.</summary>
/// <param name="Seq">The audit event's sequence number, so every finding points at its evidence.</param>
/// <param name="RequestId">The request signed.</param>
/// <param name="ReviewerId">Who signed.</param>
/// <param name="Skill">The skill the request is for (<c>name@version</c>), or <see langword="null"/> when unknown.</param>
/// <param name="Approved">Whether the reviewer approved (agreed with the proposer) rather than rejected.</param>
/// <param name="RequestedAt">When the request was opened.</param>
/// <param name="PresentedAt">When the case was presented to this reviewer, or <see langword="null"/> when no presentation is on record.</param>
/// <param name="DecidedAt">When the reviewer signed.</param>
/// <param name="Reason">The reviewer's stated reason, if any.</param>
public sealed record SignOffRecord(
    long Seq,
    string RequestId,
    string ReviewerId,
    string? Skill,
    bool Approved,
    DateTimeOffset RequestedAt,
    DateTimeOffset? PresentedAt,
    DateTimeOffset DecidedAt,
    string? Reason)
{
    /// <summary>
    /// The request's case size (how much the reviewer had to read, in the app's unit) from its <c>approval.requested</c>,
    /// or <see langword="null"/> when the proposer gave none.
    /// </summary>
    public int? CaseSize { get; init; }

    /// <summary>The time the reviewer actually had the case: <c>decided_at − presented_at</c>; <see langword="null"/> without a presentation.</summary>
    public TimeSpan? Dwell => PresentedAt is { } presented ? DecidedAt - presented : null;

    /// <summary>Time the request waited before presentation: <c>presented_at − requested_at</c>. Never mixed with dwell.</summary>
    public TimeSpan? Queue => PresentedAt is { } presented ? presented - RequestedAt : null;
}
