using System.Security.Cryptography;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Verification;

/// <summary>The manifest's <c>eventHashesDigest</c>: lowercase hex SHA-256 of the event hashes (hex) joined with <c>\n</c>.</summary>
internal sealed class EventHashesDigest : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private bool _any;

    public void Add(in Hash32 hash)
    {
        if (_any)
        {
            _sha.AppendData("\n"u8);
        }

        _any = true;
        Span<byte> hex = stackalloc byte[64];
        hash.WriteHex(hex);
        _sha.AppendData(hex);
    }

    public string Hex()
    {
        Span<byte> digest = stackalloc byte[32];
        _sha.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    public void Dispose() => _sha.Dispose();
}
