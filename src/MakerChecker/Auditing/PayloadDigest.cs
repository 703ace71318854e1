using System.Text.Json.Nodes;
using MakerChecker.Audit.Payloads;

namespace MakerChecker.Auditing;

/// <summary>
/// The digest that binds a request to its payload: <c>sha256:</c> followed by the lowercase hex SHA-256 of the
/// payload's RFC 8785 (JCS) canonical JSON, the same canonical form the audit log hashes. Key order, whitespace and
/// number spelling do not change the digest; any change of value does. The prefix names the algorithm, so evidence
/// stays readable if it ever changes. Defined once, in <see cref="RequestPayloadDigest"/>, which the case stores
/// (<see cref="IRequestPayloadStore"/>) are addressed by.
/// </summary>
internal static class PayloadDigest
{
    public const string Prefix = RequestPayloadDigest.Prefix;

    /// <exception cref="Audit.Canonicalization.CanonicalJsonException">The payload is not I-JSON (for example a lone surrogate in a string).</exception>
    public static string Compute(JsonObject payload) => RequestPayloadDigest.Compute(payload).Digest;
}
