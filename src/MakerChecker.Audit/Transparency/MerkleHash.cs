using System.Runtime.InteropServices;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// A 32-byte SHA-256 hash in the Merkle tree: a leaf hash, an interior node hash or a tree root.
/// A value type so that trees and proofs hold hashes without one heap object per hash.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct MerkleHash : IEquatable<MerkleHash>
{
    /// <summary>The length of a hash in bytes.</summary>
    public const int Size = 32;

    // The 32 bytes in memory order. Read and written with the same native layout, so a round trip is exact on any
    // endianness; they are never interpreted as numbers.
    private readonly ulong _b0;
    private readonly ulong _b1;
    private readonly ulong _b2;
    private readonly ulong _b3;

    /// <summary>Creates a hash from exactly 32 bytes.</summary>
    /// <param name="bytes">The hash bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 32 bytes long.</exception>
    public MerkleHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A Merkle hash is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        _b0 = MemoryMarshal.Read<ulong>(bytes);
        _b1 = MemoryMarshal.Read<ulong>(bytes[8..]);
        _b2 = MemoryMarshal.Read<ulong>(bytes[16..]);
        _b3 = MemoryMarshal.Read<ulong>(bytes[24..]);
    }

    /// <summary>The RFC 6962 leaf hash of <paramref name="leafData"/>: SHA-256(0x00 ‖ leafData).</summary>
    /// <param name="leafData">The leaf's bytes: for the audit log, the event's exact canonical JSON.</param>
    /// <returns>The leaf hash.</returns>
    public static MerkleHash OfLeaf(ReadOnlySpan<byte> leafData) => MerkleHashing.LeafHash(leafData);

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least 32 bytes.</param>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The destination has {destination.Length} bytes, fewer than {Size}.", nameof(destination));
        }

        MemoryMarshal.Write(destination, in _b0);
        MemoryMarshal.Write(destination[8..], in _b1);
        MemoryMarshal.Write(destination[16..], in _b2);
        MemoryMarshal.Write(destination[24..], in _b3);
    }

    /// <summary>Returns the 32 bytes as a new array.</summary>
    /// <returns>A copy of the hash.</returns>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Parses the standard base64 (RFC 4648 §4, padded) form of a hash, as checkpoints and receipts carry it.</summary>
    /// <param name="text">The base64 text.</param>
    /// <param name="hash">The hash, when the text is canonical base64 of exactly 32 bytes.</param>
    /// <returns>Whether <paramref name="text"/> was a well-formed hash.</returns>
    public static bool TryParseBase64(ReadOnlySpan<char> text, out MerkleHash hash)
    {
        hash = default;
        // 32 bytes are always 44 characters with one '=' of padding; anything else is not a hash.
        if (text.Length != 44)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[33];
        if (!Convert.TryFromBase64Chars(text, bytes, out var written) || written != Size)
        {
            return false;
        }

        hash = new MerkleHash(bytes[..Size]);
        // Reject non-canonical encodings (non-zero padding bits) so that one hash has exactly one text form.
        return hash.ToString().AsSpan().SequenceEqual(text);
    }

    /// <summary>The standard base64 form, as checkpoints and receipts carry it.</summary>
    /// <returns>44 characters of base64.</returns>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The lowercase hex form, for messages and logs.</summary>
    /// <returns>64 hex digits.</returns>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <inheritdoc/>
    public bool Equals(MerkleHash other) =>
        _b0 == other._b0 && _b1 == other._b1 && _b2 == other._b2 && _b3 == other._b3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is MerkleHash other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_b0, _b1, _b2, _b3);

    /// <summary>Whether two hashes are equal.</summary>
    /// <param name="left">A hash.</param>
    /// <param name="right">Another hash.</param>
    /// <returns><see langword="true"/> when all 32 bytes are equal.</returns>
    public static bool operator ==(MerkleHash left, MerkleHash right) => left.Equals(right);

    /// <summary>Whether two hashes differ.</summary>
    /// <param name="left">A hash.</param>
    /// <param name="right">Another hash.</param>
    /// <returns><see langword="true"/> when any byte differs.</returns>
    public static bool operator !=(MerkleHash left, MerkleHash right) => !left.Equals(right);
}
