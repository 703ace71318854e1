using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing;

/// <summary>
/// The digest that binds a request to its payload: <c>sha256:</c> followed by the lowercase hex SHA-256 of the
/// payload's RFC 8785 (JCS) canonical JSON, the same canonical form the audit log hashes. Key order, whitespace and
/// number spelling do not change the digest; any change of value does. The prefix names the algorithm, so evidence
/// stays readable if it ever changes.
/// The same digest as <see cref="Audit.Payloads.RequestPayloadDigest.Of"/> (which the case stores are addressed by),
/// computed here without allocating the canonical bytes: the gate takes it on every invocation.
/// </summary>
internal static class PayloadDigest
{
    public const string Prefix = "sha256:";

    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a lone surrogate in a string).</exception>
    public static string Compute(JsonObject payload)
    {
        // This thread's hasher: OpenSSL's one-shot digest sets up a context per call, which costs more than the hashing.
        Hash32 hash;
        var canonical = CanonicalJsonWriter.Rent();
        try
        {
            JsonCanonicalizer.Write(payload, canonical);
            hash = EventSha256.ForCurrentThread.Hash(canonical.Output.WrittenSpan);
        }
        finally
        {
            CanonicalJsonWriter.Return(canonical);
        }

        // One string: the prefix and the hex written straight into it.
        Span<char> text = stackalloc char[Prefix.Length + (2 * SHA256.HashSizeInBytes)];
        Prefix.CopyTo(text);
        Convert.TryToHexStringLower(hash, text[Prefix.Length..], out _);
        return new string(text);
    }
}
