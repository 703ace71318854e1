using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Copies of the short runs canonical JSON is assembled from (keys, strings, numbers, members), cheaper than a general
/// copy: where both sides have 32 bytes of room, one 32-byte move, or, without 256-bit vectors (the command-line tool
/// is compiled ahead of time for x86-64-v2), one or two 16-byte moves; these may also overwrite bytes past the copy's end.
/// A copy of 33 to 64 bytes is two overlapping 32-byte halves (four 16-byte moves), within the copy's own bytes.
/// </summary>
internal static class SlackCopy
{
    /// <summary>
    /// Copies <paramref name="source"/>[<paramref name="start"/>..][..<paramref name="length"/>] to
    /// <paramref name="destination"/>[<paramref name="at"/>..]. Bytes of <paramref name="destination"/> past the copy's
    /// end may be overwritten too: the caller writes them next or never reads them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(ReadOnlySpan<byte> source, int start, int length, Span<byte> destination, int at)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Copy256(source, start, length, destination, at);
        }
        else
        {
            Copy128(source, start, length, destination, at);
        }
    }

    /// <summary>The copy with one 32-byte move (tests call it directly; it needs <see cref="Vector256"/> in hardware).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy256(ReadOnlySpan<byte> source, int start, int length, Span<byte> destination, int at)
    {
        // Signed comparisons: with a side shorter than 32 bytes, its length minus 32 is negative, and no move is in bounds.
        if ((uint)length <= (uint)Vector256<byte>.Count && HasRoom(source.Length, start, destination.Length, at))
        {
            // In bounds on both sides: checked just above.
            Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)start)
                .StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)at);
            return;
        }

        if (length > Vector256<byte>.Count && length <= 2 * Vector256<byte>.Count && InBounds(source.Length, start, destination.Length, at, length))
        {
            // 33 to 64 bytes: the first 32 and the last 32, which overlap; both read before either is written.
            ref var from = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), (nint)(uint)start);
            ref var to = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), (nint)(uint)at);
            var head = Vector256.LoadUnsafe(ref from);
            var tail = Vector256.LoadUnsafe(ref from, (nuint)(length - Vector256<byte>.Count));
            head.StoreUnsafe(ref to);
            tail.StoreUnsafe(ref to, (nuint)(length - Vector256<byte>.Count));
            return;
        }

        source.Slice(start, length).CopyTo(destination[at..]);
    }

    /// <summary>The copy with one or two 16-byte moves, for processors (or compilations) without 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy128(ReadOnlySpan<byte> source, int start, int length, Span<byte> destination, int at)
    {
        if ((uint)length <= (uint)(2 * Vector128<byte>.Count) && HasRoom(source.Length, start, destination.Length, at))
        {
            // In bounds on both sides: 32 bytes of room checked just above.
            ref var from = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), (nint)(uint)start);
            ref var to = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), (nint)(uint)at);
            var low = Vector128.LoadUnsafe(ref from);
            if (length > Vector128<byte>.Count)
            {
                // Both halves read before either is written, as the one 32-byte move does.
                var high = Vector128.LoadUnsafe(ref from, (nuint)Vector128<byte>.Count);
                low.StoreUnsafe(ref to);
                high.StoreUnsafe(ref to, (nuint)Vector128<byte>.Count);
            }
            else
            {
                low.StoreUnsafe(ref to);
            }

            return;
        }

        if (length > 2 * Vector128<byte>.Count && length <= 4 * Vector128<byte>.Count && InBounds(source.Length, start, destination.Length, at, length))
        {
            // 33 to 64 bytes (the hashes, ids and digests of a row, a general copy's call otherwise): the first 32 and the
            // last 32, which overlap; all read before any is written. Nothing past the copy's end is written.
            ref var from = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), (nint)(uint)start);
            ref var to = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), (nint)(uint)at);
            var tailAt = (nuint)(length - (2 * Vector128<byte>.Count));
            var (a, b) = (Vector128.LoadUnsafe(ref from), Vector128.LoadUnsafe(ref from, (nuint)Vector128<byte>.Count));
            var (c, d) = (Vector128.LoadUnsafe(ref from, tailAt), Vector128.LoadUnsafe(ref from, tailAt + (nuint)Vector128<byte>.Count));
            a.StoreUnsafe(ref to);
            b.StoreUnsafe(ref to, (nuint)Vector128<byte>.Count);
            c.StoreUnsafe(ref to, tailAt);
            d.StoreUnsafe(ref to, tailAt + (nuint)Vector128<byte>.Count);
            return;
        }

        source.Slice(start, length).CopyTo(destination[at..]);
    }

    /// <summary>
    /// Copies all of <paramref name="source"/> to the start of <paramref name="destination"/>, nothing past its end: for a
    /// short constant such as a key (4 to 16 bytes: two overlapping moves of 4 or 8 bytes), whose <c>CopyTo</c> the AOT
    /// compiler leaves as a <c>Memmove</c> call; any other length is the general copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopySmall(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var length = source.Length;
        if (length is >= sizeof(uint) and <= 2 * sizeof(ulong) && destination.Length >= length)
        {
            // In bounds on both sides: the two moves are within the source's length, which the destination has room for.
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            if (length >= sizeof(ulong))
            {
                var (head, tail) = (Unsafe.ReadUnaligned<ulong>(ref from), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref from, length - sizeof(ulong))));
                Unsafe.WriteUnaligned(ref to, head);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, length - sizeof(ulong)), tail);
            }
            else
            {
                var (head, tail) = (Unsafe.ReadUnaligned<uint>(ref from), Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref from, length - sizeof(uint))));
                Unsafe.WriteUnaligned(ref to, head);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, length - sizeof(uint)), tail);
            }

            return;
        }

        source.CopyTo(destination);
    }

    /// <summary>Whether the copy itself is in bounds on both sides (a copy out of bounds is left to the general copy, which throws).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InBounds(int sourceLength, int start, int destinationLength, int at, int length) =>
        start >= 0 && at >= 0 && start <= sourceLength - length && at <= destinationLength - length;

    /// <summary>Whether both sides have 32 bytes from where the copy starts (signed: a side shorter than 32 bytes never has).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasRoom(int sourceLength, int start, int destinationLength, int at) =>
        start >= 0 && at >= 0 && start <= sourceLength - 2 * Vector128<byte>.Count && at <= destinationLength - 2 * Vector128<byte>.Count;
}
