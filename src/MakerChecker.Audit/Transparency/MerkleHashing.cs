using System.Buffers;
using System.Security.Cryptography;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// The RFC 6962 §2.1 (RFC 9162 §2.1.1) hash functions. The one-byte prefixes keep a leaf from ever being taken for
/// an interior node (second-preimage resistance).
/// </summary>
internal static class MerkleHashing
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    // Leaves up to this size are hashed from a stack buffer; larger ones from a pooled array.
    private const int StackLeafLimit = 1024;

    /// <summary>MTH({}) = SHA-256(): the root of the empty tree.</summary>
    public static MerkleHash EmptyRoot { get; } = new(SHA256.HashData(ReadOnlySpan<byte>.Empty));

    /// <summary>MTH({d(0)}) = SHA-256(0x00 ‖ d(0)).</summary>
    public static MerkleHash LeafHash(ReadOnlySpan<byte> leafData)
    {
        var length = leafData.Length + 1;
        byte[]? rented = null;
        var buffer = length <= StackLeafLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            buffer[0] = LeafPrefix;
            leafData.CopyTo(buffer[1..]);
            Span<byte> digest = stackalloc byte[MerkleHash.Size];
            SHA256.HashData(buffer, digest);
            return new MerkleHash(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right).</summary>
    public static MerkleHash NodeHash(in MerkleHash left, in MerkleHash right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * MerkleHash.Size)];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + MerkleHash.Size)..]);
        Span<byte> digest = stackalloc byte[MerkleHash.Size];
        SHA256.HashData(buffer, digest);
        return new MerkleHash(digest);
    }

    /// <summary>SHA-256(0x01 ‖ left ‖ right) over raw 32-byte spans, written to <paramref name="destination"/> (which may alias an input).</summary>
    public static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * MerkleHash.Size)];
        buffer[0] = NodePrefix;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + MerkleHash.Size)..]);
        SHA256.HashData(buffer, destination);
    }
}
