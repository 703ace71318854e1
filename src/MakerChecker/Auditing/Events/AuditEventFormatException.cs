using MakerChecker.Audit.Stores;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// An audit event of a type the catalogue knows has a payload its record cannot hold: a field is missing, null where it
/// may not be, or of the wrong JSON type. The event's hash may still verify (it was written that way); what fails is
/// reading it as the gate's or the reviewer's evidence.
/// </summary>
public sealed class AuditEventFormatException : AuditStoreException
{
    /// <summary>Creates the exception for the event at <paramref name="seq"/>.</summary>
    /// <param name="seq">The audit event's sequence number.</param>
    /// <param name="eventType">The event's type.</param>
    /// <param name="field">The payload field at fault (a dotted path for a nested one), or <see langword="null"/> when the payload as a whole is.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The serializer's error, when there was one.</param>
    public AuditEventFormatException(long seq, string eventType, string? field, string problem, Exception? innerException = null)
        : base(
            $"Audit event seq {seq} ({eventType}) has a malformed payload: {(field is null ? problem : $"the field '{field}' is {problem}")}. " +
            "It cannot be read as gate or review evidence; verify the log (makerchecker audit verify) and find out how the event was written.",
            innerException!)
    {
        Seq = seq;
        EventType = eventType;
        Field = field;
    }

    /// <summary>The sequence number of the malformed event.</summary>
    public long Seq { get; }

    /// <summary>The type of the malformed event.</summary>
    public string EventType { get; }

    /// <summary>The payload field at fault (dotted for a nested field), or <see langword="null"/> when the payload is not a JSON object.</summary>
    public string? Field { get; }
}
