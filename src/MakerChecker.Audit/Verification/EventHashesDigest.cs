using System.Security.Cryptography;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Verification;

/// <summary>The manifest's <c>eventHashesDigest</c>: lowercase hex SHA-256 of the event hashes (hex) joined with <c>\n</c>.</summary>
/// <remarks>
/// The text is gathered in a buffer and hashed a buffer at a time: the digest runs on the verifier's one ordered
/// thread, where two small hash updates per event would cost more than the rest of its work.
/// </remarks>
internal sealed class EventHashesDigest : IDisposable
{
    private const int LineLength = 65; // "\n" and 64 hex digits
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _pending = new byte[1024 * LineLength];
    private int _pendingLength;
    private bool _any;

    public void Add(in Hash32 hash)
    {
        if (_pending.Length - _pendingLength < LineLength)
        {
            Flush();
        }

        if (_any)
        {
            _pending[_pendingLength++] = (byte)'\n';
        }

        _any = true;
        hash.WriteHex(_pending.AsSpan(_pendingLength, 64));
        _pendingLength += 64;
    }

    public string Hex()
    {
        Flush();
        Span<byte> digest = stackalloc byte[32];
        _sha.GetCurrentHash(digest);
        return Convert.ToHexStringLower(digest);
    }

    private void Flush()
    {
        _sha.AppendData(_pending, 0, _pendingLength);
        _pendingLength = 0;
    }

    public void Dispose() => _sha.Dispose();
}
