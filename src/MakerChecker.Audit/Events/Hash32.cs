using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        if (hex.Length != 64)
        {
            return false;
        }

        if (Vector128.IsHardwareAccelerated)
        {
            // The verifier decodes two hashes per event: 32 digits at a time rather than a general decoder's set-up.
            ref var digits = ref MemoryMarshal.GetReference(hex);
            Span<byte> bytes = hash;
            return TryDecode32(ref digits, 0, bytes) && TryDecode32(ref digits, 32, bytes);
        }

        return hex.IndexOfAnyExcept(LowerHex) < 0 && Convert.FromHexString(hex, hash, out _, out _) == System.Buffers.OperationStatus.Done;
    }

    /// <summary>Decodes the 32 lowercase hex digits at <paramref name="at"/> into the 16 bytes at <paramref name="at"/>/2.</summary>
    /// <remarks>Inlined, with its helpers: the AOT compiler left all three as calls, two hashes a row.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDecode32(ref byte digits, int at, Span<byte> bytes)
    {
        var low = Nibbles(Vector128.LoadUnsafe(ref digits, (nuint)at), out var lowValid);
        var high = Nibbles(Vector128.LoadUnsafe(ref digits, (nuint)(at + 16)), out var highValid);
        if (!lowValid || !highValid)
        {
            return false;
        }

        // Each 16-bit lane holds two digits, the first in its low byte: the byte they spell is first * 16 + second.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector128<ushort> Pairs(Vector128<byte> nibbles) =>
            ((nibbles.AsUInt16() & Vector128.Create((ushort)0x00FF)) << 4) | (nibbles.AsUInt16() >>> 8);
        Vector128.Narrow(Pairs(low), Pairs(high)).CopyTo(bytes[(at / 2)..]);
        return true;
    }

    /// <summary>The value of each of sixteen digits, and whether all of them are <c>0-9</c> or <c>a-f</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Nibbles(Vector128<byte> text, out bool valid)
    {
        var digit = text - Vector128.Create((byte)'0');
        var letter = text - Vector128.Create((byte)'a');
        var isDigit = Vector128.LessThan(digit, Vector128.Create((byte)10));
        var isLetter = Vector128.LessThan(letter, Vector128.Create((byte)6));
        valid = (isDigit | isLetter) == Vector128<byte>.AllBitsSet;
        return Vector128.ConditionalSelect(isDigit, digit, letter + Vector128.Create((byte)10));
    }

    public readonly bool Equals(in Hash32 other) =>
        ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public readonly string ToHex() => Convert.ToHexStringLower(this);

    /// <summary>Writes the 64 lowercase hex digits as UTF-8 into the first 64 bytes of <paramref name="destination"/>.</summary>
    public readonly void WriteHex(Span<byte> destination) =>
        Convert.TryToHexStringLower(this, destination[..64], out _);
}
