namespace MakerChecker.Review;

/// <summary>
/// An audit event the detector must read has a payload it cannot make sense of. Such an event is never skipped:
/// a report that silently dropped it could clear a reviewer the log would have flagged.
/// </summary>
public sealed class ReviewEvidenceException : Exception
{
    /// <summary>Creates the exception for the event at <paramref name="seq"/>.</summary>
    /// <param name="seq">The audit event's sequence number.</param>
    /// <param name="eventType">The event's type.</param>
    /// <param name="problem">What is wrong with its payload.</param>
    public ReviewEvidenceException(long seq, string eventType, string problem)
        : base($"Audit event seq {seq} ({eventType}) has a malformed payload: {problem}. The review report cannot be made from this log; verify it (makerchecker audit verify) and find out how the event was written.")
    {
        Seq = seq;
        EventType = eventType;
    }

    /// <summary>The sequence number of the malformed event.</summary>
    public long Seq { get; }

    /// <summary>The type of the malformed event.</summary>
    public string EventType { get; }
}
