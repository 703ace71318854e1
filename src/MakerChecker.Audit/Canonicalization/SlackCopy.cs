using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Copies of the short runs canonical JSON is assembled from (keys, strings, numbers, members), cheaper than a general
/// copy: where both sides have 32 bytes of room, one 32-byte move, which may also overwrite bytes past the copy's end.
/// </summary>
internal static class SlackCopy
{
    /// <summary>
    /// Copies <paramref name="source"/>[<paramref name="start"/>..][..<paramref name="length"/>] to
    /// <paramref name="destination"/>[<paramref name="at"/>..]. Bytes of <paramref name="destination"/> past the copy's
    /// end may be overwritten too: the caller writes them next or never reads them.
    /// </summary>
    public static void Copy(ReadOnlySpan<byte> source, int start, int length, Span<byte> destination, int at)
    {
        // Signed comparisons: with a side shorter than 32 bytes, its length minus 32 is negative, and no move is in bounds.
        if (Vector256.IsHardwareAccelerated && (uint)length <= (uint)Vector256<byte>.Count && start >= 0 && at >= 0 &&
            start <= source.Length - Vector256<byte>.Count && at <= destination.Length - Vector256<byte>.Count)
        {
            // In bounds on both sides: checked just above.
            Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(source), (nuint)start)
                .StoreUnsafe(ref MemoryMarshal.GetReference(destination), (nuint)at);
            return;
        }

        source.Slice(start, length).CopyTo(destination[at..]);
    }
}
