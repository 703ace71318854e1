using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// Finds where a JSON object ends: the brace that balances its opening one, not counting braces inside strings.
/// This is the one part of bundle verification that runs strictly in order, so it looks at 64 bytes at a time.
/// </summary>
/// <remarks>
/// It only finds boundaries; whoever parses the object validates it in full. For a block without backslashes the
/// bytes inside strings are found with a prefix XOR over the quote positions; a block with a backslash (an escape,
/// rare in practice) is walked byte by byte, so escapes are handled exactly as a byte-by-byte scanner would.
/// <para>
/// <see cref="Find{TMasks}"/> (and the rare byte-by-byte step) are compiled fully optimized on first use
/// (<see cref="MethodImplOptions.AggressiveOptimization"/>): they run for every byte of a bundle from the first row, on
/// the one thread that feeds the workers, and without ReadyToRun their tier-0 code took about 2.7 % of a 1M-event
/// verify's CPU (docs/performance.md). Everything a block goes through is inlined into <see cref="Find{TMasks}"/>: a method
/// marked AggressiveOptimization is never inlined, so marking the block steps too left a call per block (and the masks
/// returned through memory) in the Native AOT tool.
/// </para>
/// </remarks>
internal static class JsonObjectEnd
{
    private const int BlockSize = 64;

    /// <summary>The length of the object that starts at <paramref name="data"/>[0], or -1 if it does not end within it.</summary>
    public static int Find(ReadOnlySpan<byte> data) =>
        Vector256.IsHardwareAccelerated ? Find<Vector256Masks>(data) : Find<Vector128Masks>(data);

    /// <summary>
    /// <see cref="Find"/> with 16-byte vectors, as on CPUs without AVX2 and in the Native AOT tool (built for x86-64-v2):
    /// for tests, which run where <see cref="Find"/> takes the 32-byte path.
    /// </summary>
    internal static int FindWithVector128(ReadOnlySpan<byte> data) => Find<Vector128Masks>(data);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Find<TMasks>(ReadOnlySpan<byte> data)
        where TMasks : struct, IBlockMasks
    {
        var scan = default(ScanState);
        var block = 0;
        for (; block + BlockSize <= data.Length; block += BlockSize)
        {
            var chunk = data.Slice(block, BlockSize);
            var end = !scan.Escaping && TMasks.TryOf(chunk, out var quotes, out var braces)
                ? scan.StepWithoutEscapes(chunk, quotes, braces)
                : scan.StepBytes(chunk);
            if (end >= 0)
            {
                return block + end;
            }
        }

        var tail = scan.StepBytes(data[block..]);
        return tail >= 0 ? block + tail : -1;
    }

    /// <summary>Where the scan stands between blocks.</summary>
    private struct ScanState
    {
        public int Depth;
        public bool InString;
        public bool Escaping; // the previous byte was a backslash inside a string

        /// <summary>
        /// One block that holds no backslash, given its quotes and braces: returns the offset just past the closing
        /// brace, or -1. Braces are few (a handful per row), so each one's kind is read from the block itself.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int StepWithoutEscapes(ReadOnlySpan<byte> block, ulong quotes, ulong braces)
        {
            // Bit i of insideString is set from an opening quote up to (not including) its closing quote.
            var insideString = PrefixXor(quotes) ^ (InString ? ulong.MaxValue : 0);
            InString = (long)insideString < 0;
            braces &= ~insideString;
            while (braces != 0)
            {
                var at = BitOperations.TrailingZeroCount(braces);
                braces &= braces - 1;
                if (block[at] == '{')
                {
                    Depth++;
                }
                else if (--Depth == 0)
                {
                    return at + 1;
                }
            }

            return -1;
        }

        /// <summary>The same, byte by byte, stepping over the character after each backslash inside a string.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int StepBytes(ReadOnlySpan<byte> bytes)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                var b = bytes[i];
                if (InString)
                {
                    if (Escaping)
                    {
                        Escaping = false;
                    }
                    else if (b == '\\')
                    {
                        Escaping = true;
                    }
                    else if (b == '"')
                    {
                        InString = false;
                    }
                }
                else if (b == '"')
                {
                    InString = true;
                }
                else if (b == '{')
                {
                    Depth++;
                }
                else if (b == '}' && --Depth == 0)
                {
                    return i + 1;
                }
            }

            return -1;
        }

        /// <summary>Bit i of the result is the XOR of bits 0..i of <paramref name="bits"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong PrefixXor(ulong bits)
        {
            bits ^= bits << 1;
            bits ^= bits << 2;
            bits ^= bits << 4;
            bits ^= bits << 8;
            bits ^= bits << 16;
            bits ^= bits << 32;
            return bits;
        }
    }

    /// <summary>
    /// Bit masks of one 64-byte block: bit i is set when byte i is a quote, or a brace of either kind. Inlined into
    /// <see cref="Find{TMasks}"/> (a call per block, returning the masks through memory, cost more than the compares).
    /// </summary>
    private interface IBlockMasks
    {
        /// <summary>The block's quotes and braces; false (masks unset) when it holds a backslash.</summary>
        static abstract bool TryOf(ReadOnlySpan<byte> block, out ulong quotes, out ulong braces);
    }

    private readonly struct Vector256Masks : IBlockMasks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryOf(ReadOnlySpan<byte> block, out ulong quotes, out ulong braces)
        {
            var (low, high) = (Vector256.Create(block), Vector256.Create(block[32..]));
            var backslash = Vector256.Create((byte)'\\');
            if ((Vector256.Equals(low, backslash) | Vector256.Equals(high, backslash)) != Vector256<byte>.Zero)
            {
                (quotes, braces) = (0, 0);
                return false;
            }

            var quote = Vector256.Create((byte)'"');
            quotes = Vector256.Equals(low, quote).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(high, quote).ExtractMostSignificantBits() << 32);
            braces = Braces(low).ExtractMostSignificantBits() | ((ulong)Braces(high).ExtractMostSignificantBits() << 32);
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<byte> Braces(Vector256<byte> v) =>
            Vector256.Equals(v, Vector256.Create((byte)'{')) | Vector256.Equals(v, Vector256.Create((byte)'}'));
    }

    private readonly struct Vector128Masks : IBlockMasks
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryOf(ReadOnlySpan<byte> block, out ulong quotes, out ulong braces)
        {
            var (a, b, c, d) = (Vector128.Create(block), Vector128.Create(block[16..]), Vector128.Create(block[32..]), Vector128.Create(block[48..]));
            var backslash = Vector128.Create((byte)'\\');
            if ((Vector128.Equals(a, backslash) | Vector128.Equals(b, backslash) | Vector128.Equals(c, backslash) | Vector128.Equals(d, backslash))
                != Vector128<byte>.Zero)
            {
                (quotes, braces) = (0, 0);
                return false;
            }

            var quote = Vector128.Create((byte)'"');
            quotes = Bits(Vector128.Equals(a, quote), Vector128.Equals(b, quote), Vector128.Equals(c, quote), Vector128.Equals(d, quote));
            braces = Bits(Braces(a), Braces(b), Braces(c), Braces(d));
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<byte> Braces(Vector128<byte> v) =>
            Vector128.Equals(v, Vector128.Create((byte)'{')) | Vector128.Equals(v, Vector128.Create((byte)'}'));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong Bits(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, Vector128<byte> d) =>
            a.ExtractMostSignificantBits() | ((ulong)b.ExtractMostSignificantBits() << 16)
            | ((ulong)c.ExtractMostSignificantBits() << 32) | ((ulong)d.ExtractMostSignificantBits() << 48);
    }
}
