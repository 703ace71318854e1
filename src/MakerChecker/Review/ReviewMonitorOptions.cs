namespace MakerChecker.Review;

/// <summary>
/// The rubber-stamp detector running inside the gate: rolling per-reviewer figures over a window, and an alert (log
/// warning, metric, optional callback) when a reviewer crosses a threshold. See <c>docs/review-detection.md</c>.
/// </summary>
public sealed class ReviewMonitorOptions
{
    /// <summary>The thresholds, the same as the offline report's. <value>The default value is the detector's defaults.</value></summary>
    public ReviewDetectionOptions Thresholds { get; set; } = new();

    /// <summary>How far back the rolling figures reach. <value>The default value is 24 hours.</value></summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// At most this many of a reviewer's latest sign-offs are kept in the window: enough for every finding (the highest
    /// count a default threshold needs is 121 in an hour), while the analysis per sign-off stays well under a millisecond.
    /// <value>The default value is 200.</value>
    /// </summary>
    public int MaxSignOffsPerReviewer { get; set; } = 200;

    /// <summary>
    /// Shares (fast dwell) are judged only once a reviewer has this many sign-offs in the window, so that one quick
    /// sign-off is not an alert. <value>The default value is 10.</value>
    /// </summary>
    public int MinimumSignOffs { get; set; } = 10;

    /// <summary>
    /// Called with each new alert, after it is logged and counted, on the thread that recorded the sign-off. An
    /// exception from it is logged and does not affect the sign-off, which is already in the audit log.
    /// <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    public Action<ReviewFinding>? OnFinding { get; set; }

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Thresholds"/> is null.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Thresholds, nameof(Thresholds));
        Thresholds.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Window, TimeSpan.Zero, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSignOffsPerReviewer, 2, nameof(MaxSignOffsPerReviewer));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumSignOffs, 1, nameof(MinimumSignOffs));
    }
}
