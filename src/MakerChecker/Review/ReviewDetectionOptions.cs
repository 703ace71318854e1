namespace MakerChecker.Review;

/// <summary>
/// Thresholds of the rubber-stamp detector. No published threshold defines "meaningful review"; these defaults and
/// their rationale are in <c>docs/review-detection.md</c>. Every finding reports the thresholds that triggered it.
/// </summary>
public sealed class ReviewDetectionOptions
{
    /// <summary>A sign-off with less dwell than this counts as fast. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan FastDwell { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The share of fast sign-offs at which a reviewer is flagged (warning). <value>The default value is 0.2.</value></summary>
    public double FastShareWarning { get; set; } = 0.2;

    /// <summary>The share of fast sign-offs at which the finding is high severity. <value>The default value is 0.5.</value></summary>
    public double FastShareHigh { get; set; } = 0.5;

    /// <summary>The number of sign-offs with one outcome within <see cref="BurstWindow"/> that makes a burst. <value>The default value is 10.</value></summary>
    public int BurstCount { get; set; } = 10;

    /// <summary>The window of a burst. <value>The default value is 60 seconds.</value></summary>
    public TimeSpan BurstWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Plausible human capacity: sign-offs in any one hour above this are flagged. <value>The default value is 60.</value></summary>
    public int CapacityPerHour { get; set; } = 60;

    /// <summary>Agreement with the proposer at or above this rate is flagged, given enough volume. <value>The default value is 0.98.</value></summary>
    public double AgreementRate { get; set; } = 0.98;

    /// <summary>The least number of sign-offs before agreement or uniformity are judged. <value>The default value is 50.</value></summary>
    public int MinimumVolume { get; set; } = 50;

    /// <summary>
    /// Dwell whose spread, (p90 − p10) ÷ median, is below this is flagged as uniform: real cases differ, so real
    /// reviews differ in length. A robust measure, so a few outliers cannot hide a fixed rhythm. <value>The default value is 0.1.</value>
    /// </summary>
    public double UniformDwellVariation { get; set; } = 0.1;

    /// <summary>The share of automated decisions that should be manually reviewed, per skill. <value>The default value is 0.05 (5%).</value></summary>
    public double ReviewedShareTarget { get; set; } = 0.05;

    /// <summary>How many evidence rows a finding carries at most (the count is always exact). <value>The default value is 200.</value></summary>
    public int MaxEvidenceRows { get; set; } = 200;

    /// <summary>
    /// These thresholds with at most <paramref name="rows"/> evidence rows per finding: the same findings, with the same
    /// kinds and severities, for a caller that needs only those.
    /// </summary>
    internal ReviewDetectionOptions WithEvidenceRows(int rows)
    {
        var copy = (ReviewDetectionOptions)MemberwiseClone();
        copy.MaxEvidenceRows = rows;
        return copy;
    }

    /// <summary>Throws when a threshold is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FastDwell, TimeSpan.Zero, nameof(FastDwell));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BurstWindow, TimeSpan.Zero, nameof(BurstWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstCount, 2, nameof(BurstCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(CapacityPerHour, 1, nameof(CapacityPerHour));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumVolume, 1, nameof(MinimumVolume));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEvidenceRows, 1, nameof(MaxEvidenceRows));
        var shares = new[]
        {
            (nameof(FastShareWarning), FastShareWarning),
            (nameof(FastShareHigh), FastShareHigh),
            (nameof(AgreementRate), AgreementRate),
            (nameof(ReviewedShareTarget), ReviewedShareTarget),
            (nameof(UniformDwellVariation), UniformDwellVariation),
        };
        foreach (var (name, value) in shares)
        {
            if (value is <= 0 or > 1 || double.IsNaN(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than 0 and at most 1.");
            }
        }
    }
}
