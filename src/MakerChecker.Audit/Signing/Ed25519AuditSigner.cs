using System.Text;
using NSec.Cryptography;

namespace MakerChecker.Audit.Signing;

/// <summary>
/// An <see cref="IAuditSigner"/> that holds an Ed25519 private key in process memory (through NSec/libsodium).
/// Load it from a key file with <see cref="Ed25519KeyFile.LoadSigner"/>.
/// </summary>
public sealed class Ed25519AuditSigner : IAuditSigner, IDisposable
{
    private readonly Key _key;

    private Ed25519AuditSigner(Key key)
    {
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <inheritdoc/>
    public ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>The public key as SPKI PEM text, as bundles carry it.</summary>
    public string PublicKeyPem => Signing.PublicKeyPem.Encode(PublicKey.Span);

    /// <summary>The key fingerprint: <c>sha256:</c> and the lowercase hex SHA-256 of the SPKI DER public key.</summary>
    public string Fingerprint => Signing.PublicKeyPem.Fingerprint(PublicKey.Span);

    /// <summary>Creates a signer with a new random key that cannot be exported (for tests and short-lived use).</summary>
    /// <returns>The signer; dispose it to wipe the key.</returns>
    public static Ed25519AuditSigner Generate() => new(Key.Create(SignatureAlgorithm.Ed25519));

    /// <summary>Creates a signer from PKCS#8 PEM text (<c>-----BEGIN PRIVATE KEY-----</c>), as OpenSSL writes it.</summary>
    /// <param name="pkcs8Pem">The private key PEM text.</param>
    /// <returns>The signer; dispose it to wipe the key.</returns>
    /// <exception cref="FormatException">The text is not an Ed25519 PKCS#8 PEM private key.</exception>
    public static Ed25519AuditSigner FromPem(string pkcs8Pem)
    {
        ArgumentNullException.ThrowIfNull(pkcs8Pem);
        var bytes = Encoding.ASCII.GetBytes(pkcs8Pem);
        try
        {
            return FromPem(bytes);
        }
        finally
        {
            Array.Clear(bytes);
        }
    }

    internal static Ed25519AuditSigner FromPem(ReadOnlySpan<byte> pkcs8Pem)
    {
        if (!Key.TryImport(SignatureAlgorithm.Ed25519, pkcs8Pem, KeyBlobFormat.PkixPrivateKeyText, out var key))
        {
            // Never echo the text: it is a private key.
            throw new FormatException("The private key is not an Ed25519 PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----).");
        }

        return new Ed25519AuditSigner(key!);
    }

    /// <inheritdoc/>
    public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SignatureAlgorithm.Ed25519.Sign(_key, data.Span));

    /// <summary>Wipes the private key from memory.</summary>
    public void Dispose() => _key.Dispose();

    /// <summary>Checks an Ed25519 signature under a raw 32-byte public key.</summary>
    internal static bool Verify(ReadOnlySpan<byte> rawPublicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, rawPublicKey, KeyBlobFormat.RawPublicKey, out var key) &&
        SignatureAlgorithm.Ed25519.Verify(key!, data, signature);
}
