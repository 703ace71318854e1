using MakerChecker.Audit.Signing;
using NSec.Cryptography;

namespace MakerChecker.Benchmarks.Transparency;

/// <summary>An in-process Ed25519 signer, so that checkpoint signing is measured without a remote KMS round trip.</summary>
internal sealed class BenchmarkSigner : IAuditSigner, IDisposable
{
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519);

    public ReadOnlyMemory<byte> PublicKey => _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SignatureAlgorithm.Ed25519.Sign(_key, data.Span));

    public void Dispose() => _key.Dispose();
}
