namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// JSON text could not be canonicalized (RFC 8785) because it is not I-JSON (RFC 7493) or is not JSON at all.
/// <see cref="ReasonCode"/> says which rule it broke, so that a verifier can tell a spec violation from tampering.
/// </summary>
public sealed class CanonicalJsonException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">One of the codes in <see cref="Verification.AuditReasonCodes"/>, for example <c>ill_formed_string</c>.</param>
    /// <param name="message">What was wrong, in words.</param>
    public CanonicalJsonException(string reasonCode, string message) : base(message) => ReasonCode = reasonCode;

    /// <summary>Creates the exception with an underlying cause.</summary>
    /// <param name="reasonCode">One of the codes in <see cref="Verification.AuditReasonCodes"/>.</param>
    /// <param name="message">What was wrong, in words.</param>
    /// <param name="innerException">The parser's own error.</param>
    public CanonicalJsonException(string reasonCode, string message, Exception innerException)
        : base(message, innerException) => ReasonCode = reasonCode;

    /// <summary>Creates the exception with the generic <c>malformed_json</c> code.</summary>
    public CanonicalJsonException() : this(Verification.AuditReasonCodes.MalformedJson, "The JSON text is malformed.") { }

    /// <summary>Creates the exception with the generic <c>malformed_json</c> code.</summary>
    /// <param name="message">What was wrong, in words.</param>
    public CanonicalJsonException(string message) : this(Verification.AuditReasonCodes.MalformedJson, message) { }

    /// <summary>Creates the exception with the generic <c>malformed_json</c> code.</summary>
    /// <param name="message">What was wrong, in words.</param>
    /// <param name="innerException">The parser's own error.</param>
    public CanonicalJsonException(string message, Exception innerException)
        : this(Verification.AuditReasonCodes.MalformedJson, message, innerException) { }

    /// <summary>The stable reason code, for example <c>ill_formed_string</c> or <c>duplicate_key</c>.</summary>
    public string ReasonCode { get; }
}
