namespace MakerChecker.Audit.Signing;

/// <summary>
/// Signs audit material (bundle manifests, checkpoints) with Ed25519. Implement it to keep the private key in an
/// HSM or a cloud KMS; the library only ever sees the public key and the signatures.
/// </summary>
public interface IAuditSigner
{
    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    ReadOnlyMemory<byte> PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> and returns the 64-byte Ed25519 signature.</summary>
    /// <param name="data">The exact bytes to sign.</param>
    /// <param name="cancellationToken">Cancels a remote signing call.</param>
    ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);
}
