using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace MakerChecker.Audit.Events;

/// <summary>A SHA-256 digest held inline, so that hashes pass between threads without allocating.</summary>
[InlineArray(32)]
internal struct Hash32
{
    private static readonly System.Buffers.SearchValues<byte> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef"u8);

    private byte _first;

    public static Hash32 Compute(ReadOnlySpan<byte> data)
    {
        var hash = default(Hash32);
        SHA256.HashData(data, hash);
        return hash;
    }

    /// <summary>Parses exactly 64 lowercase hex digits, the only form the spec writes.</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> hex, out Hash32 hash)
    {
        hash = default;
        if (hex.Length != 64 || hex.IndexOfAnyExcept(LowerHex) >= 0)
        {
            return false;
        }

        return Convert.FromHexString(hex, hash, out _, out _) == System.Buffers.OperationStatus.Done;
    }

    public readonly bool Equals(in Hash32 other) =>
        ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public readonly string ToHex() => Convert.ToHexStringLower(this);

    /// <summary>Writes the 64 lowercase hex digits as UTF-8 into the first 64 bytes of <paramref name="destination"/>.</summary>
    public readonly void WriteHex(Span<byte> destination) =>
        Convert.TryToHexStringLower(this, destination[..64], out _);
}
