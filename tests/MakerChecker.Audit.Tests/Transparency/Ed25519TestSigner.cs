using MakerChecker.Audit.Signing;
using NSec.Cryptography;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>An in-process Ed25519 <see cref="IAuditSigner"/> for tests, from a fixed seed or a fresh key.</summary>
internal sealed class Ed25519TestSigner : IAuditSigner, IDisposable
{
    private readonly Key _key;

    public Ed25519TestSigner(ReadOnlySpan<byte> seed)
    {
        _key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    public Ed25519TestSigner()
        : this(RandomSeed())
    {
    }

    public ReadOnlyMemory<byte> PublicKey { get; }

    public int Signatures { get; private set; }

    public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Signatures++;
        return ValueTask.FromResult(SignatureAlgorithm.Ed25519.Sign(_key, data.Span));
    }

    public void Dispose() => _key.Dispose();

    private static byte[] RandomSeed() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}
