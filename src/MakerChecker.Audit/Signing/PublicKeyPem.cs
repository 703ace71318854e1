using System.Security.Cryptography;

namespace MakerChecker.Audit.Signing;

/// <summary>
/// Ed25519 public keys as SPKI (RFC 8410): the PEM text bundles carry and the <c>sha256:</c> fingerprint
/// over the DER encoding that inspectors compare.
/// </summary>
internal static class PublicKeyPem
{
    private const string Header = "-----BEGIN PUBLIC KEY-----\n";
    private const string Footer = "\n-----END PUBLIC KEY-----\n";

    /// <summary>The fixed DER prefix of an Ed25519 SubjectPublicKeyInfo: SEQUENCE, AlgorithmIdentifier 1.3.101.112, BIT STRING.</summary>
    private static ReadOnlySpan<byte> SpkiPrefix => [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

    public static byte[] ToDer(ReadOnlySpan<byte> rawKey)
    {
        if (rawKey.Length != 32)
        {
            throw new ArgumentException("An Ed25519 public key is 32 bytes.", nameof(rawKey));
        }

        return [.. SpkiPrefix, .. rawKey];
    }

    public static string Encode(ReadOnlySpan<byte> rawKey) => Header + Convert.ToBase64String(ToDer(rawKey)) + Footer;

    /// <summary>
    /// Reads exactly the PEM form <see cref="Encode"/> writes, with canonical base64, so that no two texts stand for
    /// the same key (a bundle's <c>publicKeyPem</c> is not signed: any other text for the same key would be a change
    /// nothing detects). <paramref name="lenient"/> ignores surrounding whitespace, for key files a person supplies.
    /// </summary>
    public static bool TryDecode(string pem, out byte[] rawKey, bool lenient = false)
    {
        rawKey = [];
        var text = pem.Trim();
        var footer = Footer.TrimEnd();
        if (!text.StartsWith(Header, StringComparison.Ordinal) || !text.EndsWith(footer, StringComparison.Ordinal))
        {
            return false;
        }

        var body = text[Header.Length..^footer.Length];
        var der = new byte[44];
        if (!Convert.TryFromBase64String(body, der, out var written) || written != 44 ||
            Convert.ToBase64String(der) != body || !der.AsSpan(0, SpkiPrefix.Length).SequenceEqual(SpkiPrefix))
        {
            return false;
        }

        rawKey = der[SpkiPrefix.Length..];
        return lenient || pem == Encode(rawKey);
    }

    /// <summary><c>sha256:</c> and the lowercase hex SHA-256 of the key's SPKI DER encoding.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> rawKey) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ToDer(rawKey)));
}
