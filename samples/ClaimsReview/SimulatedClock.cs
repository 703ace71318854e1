namespace ClaimsReview;

/// <summary>
/// A clock the demo moves by hand, so that a morning of reviews runs in a second and every dwell is exact.
/// The gate and the audit store read time only through it.
/// </summary>
public sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Moves the clock forward.</summary>
    public void Advance(TimeSpan by) => _now += by;
}
