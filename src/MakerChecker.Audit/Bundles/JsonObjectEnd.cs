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
/// Its methods are compiled fully optimized on first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): they
/// run for every byte of a bundle from the first row, on the one thread that feeds the workers. In a fresh process
/// without ReadyToRun their tier-0 code took about 2.7 % of a 1M-event verify's CPU (docs/performance.md), and
/// ReadyToRun does not precompile the vector code either.
/// </para>
/// </remarks>
internal static class JsonObjectEnd
{
    private const int BlockSize = 64;

    /// <summary>The length of the object that starts at <paramref name="data"/>[0], or -1 if it does not end within it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Find(ReadOnlySpan<byte> data)
    {
        var scan = default(ScanState);
        var block = 0;
        for (; block + BlockSize <= data.Length; block += BlockSize)
        {
            var chunk = data.Slice(block, BlockSize);
            var masks = BlockMasks.Of(chunk);
            var end = masks.Backslashes == 0 && !scan.Escaping
                ? scan.StepWithoutEscapes(masks)
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

        /// <summary>One block that holds no backslash: returns the offset just past the closing brace, or -1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int StepWithoutEscapes(in BlockMasks masks)
        {
            // Bit i of insideString is set from an opening quote up to (not including) its closing quote.
            var insideString = PrefixXor(masks.Quotes) ^ (InString ? ulong.MaxValue : 0);
            InString = (insideString >> 63) != 0;
            var opens = masks.Opens & ~insideString;
            var braces = (masks.Opens | masks.Closes) & ~insideString;
            while (braces != 0)
            {
                var at = BitOperations.TrailingZeroCount(braces);
                braces &= braces - 1;
                if (((opens >> at) & 1) != 0)
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

    /// <summary>Bit i of each mask is set when byte i of the block is that character.</summary>
    private readonly record struct BlockMasks(ulong Quotes, ulong Backslashes, ulong Opens, ulong Closes)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static BlockMasks Of(ReadOnlySpan<byte> block)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                var low = Vector256.Create(block);
                var high = Vector256.Create(block[32..]);
                return new BlockMasks(Mask(low, high, (byte)'"'), Mask(low, high, (byte)'\\'), Mask(low, high, (byte)'{'), Mask(low, high, (byte)'}'));
            }

            var (a, b, c, d) = (Vector128.Create(block), Vector128.Create(block[16..]), Vector128.Create(block[32..]), Vector128.Create(block[48..]));
            return new BlockMasks(Mask(a, b, c, d, (byte)'"'), Mask(a, b, c, d, (byte)'\\'), Mask(a, b, c, d, (byte)'{'), Mask(a, b, c, d, (byte)'}'));
        }

        private static ulong Mask(Vector256<byte> low, Vector256<byte> high, byte value) =>
            Vector256.Equals(low, Vector256.Create(value)).ExtractMostSignificantBits()
            | ((ulong)Vector256.Equals(high, Vector256.Create(value)).ExtractMostSignificantBits() << 32);

        private static ulong Mask(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, Vector128<byte> d, byte value) =>
            Vector128.Equals(a, Vector128.Create(value)).ExtractMostSignificantBits()
            | ((ulong)Vector128.Equals(b, Vector128.Create(value)).ExtractMostSignificantBits() << 16)
            | ((ulong)Vector128.Equals(c, Vector128.Create(value)).ExtractMostSignificantBits() << 32)
            | ((ulong)Vector128.Equals(d, Vector128.Create(value)).ExtractMostSignificantBits() << 48);
    }
}
