using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.Audit.Payloads;

/// <summary>What reading a request's payload from a case store found.</summary>
public enum RequestPayloadStatus
{
    /// <summary>The payload was found and its bytes hash to the request's digest: it is the payload as approved.</summary>
    Verified,

    /// <summary>No payload is kept under the digest (never written, or lost).</summary>
    Missing,

    /// <summary>Bytes are kept under the digest but do not hash to it, or are not a JSON object: the store was changed. Never show them as the case.</summary>
    IntegrityFailure,
}

/// <summary>A request's payload as read from a case store, with what the check against its digest found.</summary>
/// <param name="Status">Whether it was found and verified.</param>
/// <param name="Payload">The payload when <see cref="RequestPayloadStatus.Verified"/>; otherwise <see langword="null"/>.</param>
/// <param name="Problem">What is wrong when not verified (for example which digest the stored bytes have); otherwise <see langword="null"/>.</param>
public sealed record RequestPayloadRead(RequestPayloadStatus Status, JsonObject? Payload, string? Problem);

/// <summary>Reads payloads from a case store the only safe way: checked against the digest the request is bound to.</summary>
public static class RequestPayloads
{
    /// <summary>
    /// Reads the payload kept under <paramref name="payloadDigest"/> and checks that its bytes hash to that digest and
    /// parse as one JSON object. Anything else is <see cref="RequestPayloadStatus.IntegrityFailure"/> with the reason, and
    /// no payload: a changed payload is never returned as the case.
    /// </summary>
    /// <param name="store">The case store.</param>
    /// <param name="payloadDigest">The digest the request is bound to (from the audit log).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The read, verified or not.</returns>
    public static async ValueTask<RequestPayloadRead> ReadAsync(IRequestPayloadStore store, string payloadDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(payloadDigest);
        var bytes = await store.GetAsync(payloadDigest, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return new RequestPayloadRead(RequestPayloadStatus.Missing, null, $"no payload is kept under {payloadDigest}");
        var actual = RequestPayloadDigest.Of(bytes);
        if (!string.Equals(actual, payloadDigest, StringComparison.Ordinal))
        {
            return new RequestPayloadRead(
                RequestPayloadStatus.IntegrityFailure, null, $"the stored payload hashes to {actual}, but the request is bound to {payloadDigest}");
        }

        try
        {
            if (JsonNode.Parse(bytes) is JsonObject payload) return new RequestPayloadRead(RequestPayloadStatus.Verified, payload, null);
        }
        catch (JsonException)
        {
            // Falls through: bytes that hash correctly but are not JSON were never a payload.
        }
        return new RequestPayloadRead(RequestPayloadStatus.IntegrityFailure, null, $"the bytes kept under {payloadDigest} are not a JSON object");
    }

    /// <summary>Checks the arguments of <see cref="IRequestPayloadStore.PutAsync"/>: the digest is well formed and is the bytes' digest.</summary>
    /// <param name="payloadDigest">The digest given.</param>
    /// <param name="canonicalJson">The bytes given.</param>
    /// <exception cref="ArgumentException">The digest is malformed or not the bytes' digest.</exception>
    public static void CheckPut(string payloadDigest, ReadOnlySpan<byte> canonicalJson)
    {
        ArgumentNullException.ThrowIfNull(payloadDigest);
        if (!RequestPayloadDigest.IsWellFormed(payloadDigest))
        {
            throw new ArgumentException($"'{payloadDigest}' is not a payload digest: write sha256: and 64 lowercase hex digits.", nameof(payloadDigest));
        }
        var actual = RequestPayloadDigest.Of(canonicalJson);
        if (!string.Equals(actual, payloadDigest, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The payload's bytes hash to {actual}, not to {payloadDigest}: a case store keeps each payload under its own digest.", nameof(canonicalJson));
        }
    }
}
