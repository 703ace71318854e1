namespace MakerChecker.Audit.Transparency;

/// <summary>
/// When a log's next checkpoint is due: once <c>everyEvents</c> events have arrived since the last one, or once
/// <c>interval</c> has passed with at least one new event, whichever comes first. Checkpoints at export and on demand
/// are signed regardless; a log with no new events is never due.
/// </summary>
/// <remarks>
/// The store asks after each append and from a timer of period <c>interval</c> (so a quiet log's last events are
/// checkpointed within one interval), and reports every checkpoint it signs, scheduled or not, with <see cref="Signed"/>.
/// </remarks>
internal sealed class CheckpointSchedule
{
    private readonly long _everyEvents;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private long _signedSize;
    private DateTimeOffset _signedAt;

    /// <summary>Creates the schedule, counting from a checkpoint of <paramref name="signedSize"/> signed now (0: none yet).</summary>
    public CheckpointSchedule(long everyEvents, TimeSpan interval, TimeProvider time, long signedSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everyEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(signedSize);
        _everyEvents = everyEvents;
        _interval = interval;
        _time = time;
        _signedSize = signedSize;
        _signedAt = time.GetUtcNow();
    }

    /// <summary>Whether a checkpoint of a tree of <paramref name="treeSize"/> leaves is due now.</summary>
    public bool IsDue(long treeSize) =>
        treeSize > _signedSize && (treeSize - _signedSize >= _everyEvents || _time.GetUtcNow() - _signedAt >= _interval);

    /// <summary>Records that a checkpoint of <paramref name="size"/> leaves was just signed.</summary>
    public void Signed(long size)
    {
        _signedSize = Math.Max(_signedSize, size);
        _signedAt = _time.GetUtcNow();
    }
}
