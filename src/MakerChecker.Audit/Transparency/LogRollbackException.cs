using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// A log no longer extends the checkpoint it signed: it was truncated (<c>log_shorter_than_checkpoint</c>) or its
/// events were rewritten (<c>log_diverges_from_checkpoint</c>), even if its hash chain still verifies. The store refuses
/// to open it for writing; open it read-only to inspect it, and keep the files as evidence.
/// </summary>
public sealed class LogRollbackException : AuditStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">The stable reason code.</param>
    /// <param name="message">What was found and what to do.</param>
    /// <param name="firstDivergentSeq">The first event that differs from the checkpointed log, when known.</param>
    public LogRollbackException(string reasonCode, string message, long? firstDivergentSeq)
        : base(message)
    {
        ReasonCode = reasonCode;
        FirstDivergentSeq = firstDivergentSeq;
    }

    /// <summary>Creates the exception with no reason.</summary>
    public LogRollbackException() => ReasonCode = string.Empty;

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was found.</param>
    public LogRollbackException(string message) : base(message) => ReasonCode = string.Empty;

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was found.</param>
    /// <param name="innerException">The cause.</param>
    public LogRollbackException(string message, Exception innerException) : base(message, innerException) => ReasonCode = string.Empty;

    /// <summary><c>log_shorter_than_checkpoint</c> or <c>log_diverges_from_checkpoint</c>.</summary>
    public string ReasonCode { get; }

    /// <summary>
    /// The seq of the first event that differs from the checkpointed log (for a truncated log whose remaining events
    /// match, the first missing one), when the hash file kept beside the log still held the checkpointed tree.
    /// </summary>
    public long? FirstDivergentSeq { get; }
}
