namespace MakerChecker.Gates;

/// <summary>One reviewer's recorded decision on a request, with the times that make its dwell measurable.</summary>
/// <param name="ReviewerId">Who signed.</param>
/// <param name="Approved">Whether the reviewer approved (else rejected).</param>
/// <param name="Reason">The reviewer's stated reason, if any.</param>
/// <param name="PresentedAt">
/// When the case was first shown to this reviewer, or <see langword="null"/> when the gate did not require presentation and it was
/// not recorded.
/// </param>
/// <param name="DecidedAt">When the sign-off was made.</param>
public sealed record SignOff(string ReviewerId, bool Approved, string? Reason, DateTimeOffset? PresentedAt, DateTimeOffset DecidedAt)
{
    /// <summary>
    /// The dwell: <see cref="DecidedAt"/> − <see cref="PresentedAt"/>, the time the reviewer had the case; <see langword="null"/> without a
    /// presentation.
    /// </summary>
    public TimeSpan? Dwell => DecidedAt - PresentedAt;
}

/// <summary>One presentation of a request's case to a reviewer.</summary>
/// <param name="ReviewerId">Who the case was shown to.</param>
/// <param name="PresentedAt">When.</param>
public sealed record Presentation(string ReviewerId, DateTimeOffset PresentedAt);
