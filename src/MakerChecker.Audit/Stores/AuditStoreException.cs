namespace MakerChecker.Audit.Stores;

/// <summary>
/// An audit store could not record or read events. When thrown from an append, the decision it was to record
/// did not happen: the caller must fail closed.
/// </summary>
public class AuditStoreException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong and, where possible, how to fix it.</param>
    public AuditStoreException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    /// <param name="message">What went wrong and, where possible, how to fix it.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AuditStoreException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message.</summary>
    public AuditStoreException() { }
}
