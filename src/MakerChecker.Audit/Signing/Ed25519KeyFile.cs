using System.Security.Cryptography;
using NSec.Cryptography;

namespace MakerChecker.Audit.Signing;

/// <summary>
/// Ed25519 key files: the private key as PKCS#8 PEM (which <c>openssl pkey</c> reads), created with mode 0600,
/// and the public key as SPKI PEM.
/// </summary>
public static class Ed25519KeyFile
{
    /// <summary>
    /// Creates a new key pair: the private key at <paramref name="privateKeyPath"/> (mode 0600, written to a
    /// temporary file first and moved into place, so it never exists half-written or readable by others) and the
    /// public key at <paramref name="publicKeyPath"/>.
    /// </summary>
    /// <param name="privateKeyPath">Where to write the private key; must not exist.</param>
    /// <param name="publicKeyPath">Where to write the public key PEM; overwritten if present.</param>
    /// <returns>The public key fingerprint (<c>sha256:</c> + hex).</returns>
    /// <exception cref="IOException">A file could not be written, or the private key file already exists.</exception>
    public static string Create(string privateKeyPath, string publicKeyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPath);
        ArgumentException.ThrowIfNullOrEmpty(publicKeyPath);
        if (File.Exists(privateKeyPath))
        {
            throw new IOException($"Refusing to overwrite the existing private key file '{privateKeyPath}'.");
        }

        using var key = Key.Create(SignatureAlgorithm.Ed25519,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var pem = key.Export(KeyBlobFormat.PkixPrivateKeyText);
        var temp = privateKeyPath + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temp, options))
            {
                file.Write(pem);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, privateKeyPath, overwrite: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem);
            File.Delete(temp); // no-op once moved
        }

        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        File.WriteAllText(publicKeyPath, PublicKeyPem.Encode(publicKey));
        return PublicKeyPem.Fingerprint(publicKey);
    }

    /// <summary>Loads a PKCS#8 PEM private key file (ours, or one made by <c>openssl genpkey -algorithm ed25519</c>).</summary>
    /// <param name="privateKeyPath">The private key file.</param>
    /// <returns>A signer over the key; dispose it to wipe the key.</returns>
    /// <exception cref="FormatException">The file is not an Ed25519 PKCS#8 PEM private key.</exception>
    public static Ed25519AuditSigner LoadSigner(string privateKeyPath)
    {
        var bytes = File.ReadAllBytes(privateKeyPath);
        try
        {
            return Ed25519AuditSigner.FromPem(bytes);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"'{privateKeyPath}' is not an Ed25519 PKCS#8 PEM private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Reads an SPKI PEM public key file and returns its fingerprint (<c>sha256:</c> + hex over the DER).</summary>
    /// <param name="publicKeyPath">The public key file.</param>
    /// <returns>The fingerprint.</returns>
    /// <exception cref="FormatException">The file is not an Ed25519 SPKI PEM public key.</exception>
    public static string ReadFingerprint(string publicKeyPath) =>
        PublicKeyPem.TryDecode(File.ReadAllText(publicKeyPath), out var raw, lenient: true)
            ? PublicKeyPem.Fingerprint(raw)
            : throw new FormatException($"'{publicKeyPath}' is not an Ed25519 SPKI PEM public key (-----BEGIN PUBLIC KEY-----).");
}
