namespace MakerChecker.Audit.Verification;

/// <summary>
/// The outcome of verifying a bundle or a store: valid, or the first failure in the spec's verification order.
/// </summary>
public sealed record AuditVerdict
{
    /// <summary>Whether every check passed.</summary>
    public required bool IsValid { get; init; }

    /// <summary>The stable code of the failure (see <see cref="AuditReasonCodes"/>), or <see langword="null"/> when valid.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>What failed, in words, or <see langword="null"/> when valid.</summary>
    public string? Reason { get; init; }

    /// <summary>The <c>seq</c> of the first event that failed, when the failure is about one event.</summary>
    public long? FailedSeq { get; init; }

    /// <summary>
    /// The signing key's fingerprint, <c>sha256:</c> and the lowercase hex SHA-256 of its SPKI DER encoding,
    /// when the manifest's key could be read. Compare it with the fingerprint you trust.
    /// </summary>
    public string? KeyFingerprint { get; init; }

    /// <summary>How many events were read.</summary>
    public long EventCount { get; init; }

    /// <summary>
    /// How many signed checkpoints were verified with the events: a valid full bundle's <c>transparency</c> checkpoints
    /// (each signature, each consistency proof, each root against the events); 0 when it has none or verification failed.
    /// </summary>
    public int CheckpointCount { get; init; }

    /// <inheritdoc/>
    public override string ToString() => IsValid
        ? $"valid ({EventCount} events, key {KeyFingerprint ?? "none"})"
        : $"invalid: {ReasonCode}: {Reason}" + (FailedSeq is { } seq ? $" (seq {seq})" : "");

    internal static AuditVerdict Fail(string code, string reason, long? seq = null) =>
        new() { IsValid = false, ReasonCode = code, Reason = reason, FailedSeq = seq };
}
