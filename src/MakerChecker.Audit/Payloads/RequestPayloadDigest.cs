using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Payloads;

/// <summary>
/// The digest that binds a request to its payload: <c>sha256:</c> followed by the lowercase hex SHA-256 of the
/// payload's RFC 8785 (JCS) canonical JSON. The gate binds requests with it and the case store is addressed by it.
/// </summary>
public static class RequestPayloadDigest
{
    /// <summary>The algorithm prefix, <c>sha256:</c>.</summary>
    public const string Prefix = "sha256:";

    /// <summary>The digest of a payload's canonical JSON bytes.</summary>
    /// <param name="canonicalJson">The canonical JSON (UTF-8).</param>
    /// <returns><c>sha256:</c> and 64 lowercase hex digits.</returns>
    public static string Of(ReadOnlySpan<byte> canonicalJson)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(canonicalJson, hash);
        return Prefix + Convert.ToHexStringLower(hash);
    }

    /// <summary>Canonicalizes a payload and returns its canonical JSON with its digest.</summary>
    /// <param name="payload">The payload.</param>
    /// <returns>The canonical JSON (UTF-8) and its digest.</returns>
    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a lone surrogate in a string).</exception>
    public static (byte[] CanonicalJson, string Digest) Compute(JsonObject payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var canonical = JsonCanonicalizer.Canonicalize(payload);
        return (canonical, Of(canonical));
    }

    /// <summary>Whether <paramref name="digest"/> is written as this digest is: <c>sha256:</c> and 64 lowercase hex digits.</summary>
    /// <param name="digest">The text to check.</param>
    public static bool IsWellFormed(string? digest)
    {
        if (digest is null || digest.Length != Prefix.Length + 64 || !digest.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        foreach (var c in digest.AsSpan(Prefix.Length))
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        }
        return true;
    }
}
