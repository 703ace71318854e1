namespace MakerChecker.Audit.Transparency;

/// <summary>
/// <see cref="CheckpointSigner"/> refused to sign: the log is empty, or it does not extend the last signed checkpoint.
/// The second means the log was truncated or rewritten since that checkpoint: treat it as tampering, not as a retry.
/// </summary>
public sealed class CheckpointRefusedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">
    /// A stable code: <c>empty_log</c>, <c>origin_mismatch</c>, <c>log_shorter_than_checkpoint</c> or <c>log_diverges_from_checkpoint</c>.
    /// </param>
    /// <param name="message">What was refused and why.</param>
    public CheckpointRefusedException(string reasonCode, string message)
        : base(message) => ReasonCode = reasonCode;

    /// <summary>Creates the exception with no reason.</summary>
    public CheckpointRefusedException() => ReasonCode = string.Empty;

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was refused and why.</param>
    public CheckpointRefusedException(string message)
        : base(message) => ReasonCode = string.Empty;

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What was refused and why.</param>
    /// <param name="innerException">The cause.</param>
    public CheckpointRefusedException(string message, Exception innerException)
        : base(message, innerException) => ReasonCode = string.Empty;

    /// <summary>The stable reason code.</summary>
    public string ReasonCode { get; }
}
