namespace MakerChecker.Audit.Payloads;

/// <summary>
/// The case store: keeps the payload of each approval request, so that a reviewer can be shown the case. The audit log
/// holds only the payload's digest (personal data stays out of the signed, append-only evidence); this store holds the
/// payload itself, as its canonical JSON (RFC 8785), content-addressed by that digest (<see cref="RequestPayloadDigest"/>).
/// </summary>
/// <remarks>
/// The store is not trusted: every read is checked against the digest the request is bound to
/// (<see cref="RequestPayloads.ReadAsync"/>), and a payload whose bytes no longer hash to it is an integrity failure,
/// never the case. A gate given a store (<c>ApprovalGate.PayloadStore</c>) writes the payload before it records the
/// request, so a recorded request's payload is in the store unless the store lost it since. Implementations: in memory
/// (<see cref="InMemoryRequestPayloadStore"/>), SQLite and PostgreSQL (beside their audit stores). Thread-safe.
/// </remarks>
public interface IRequestPayloadStore
{
    /// <summary>
    /// Keeps <paramref name="canonicalJson"/> under <paramref name="payloadDigest"/>. Idempotent: putting a digest that is
    /// already kept leaves the kept bytes as they are.
    /// </summary>
    /// <param name="payloadDigest">The payload's digest, <c>sha256:</c> and 64 lowercase hex digits.</param>
    /// <param name="canonicalJson">The payload's canonical JSON (UTF-8), whose digest is <paramref name="payloadDigest"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="ArgumentException">The bytes do not hash to <paramref name="payloadDigest"/>.</exception>
    ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default);

    /// <summary>
    /// The bytes kept under <paramref name="payloadDigest"/>, exactly as stored (unchecked: use
    /// <see cref="RequestPayloads.ReadAsync"/>), or <see langword="null"/> when none are.
    /// </summary>
    /// <param name="payloadDigest">The payload's digest.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default);
}
