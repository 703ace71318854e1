using System.Buffers.Binary;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>The recognizer's object keys, and their RFC 8785 order decided mostly from their first eight bytes.</summary>
internal sealed partial class CanonicalValueRecognizer
{
    /// <summary>
    /// A key without escapes: where its text lies in the input, and its first eight bytes as a big-endian number with
    /// zeros past its end. Comparing two such numbers orders the keys as <see cref="Utf16KeyOrder"/> does whenever the
    /// numbers differ and all their bytes are ASCII: the first differing byte is then within them, and UTF-16 order is
    /// byte order for ASCII; a key that ends first has a zero there (no key holds a raw zero byte, a control
    /// character), so it sorts first, as the shorter of two keys with a common prefix does.
    /// </summary>
    private readonly struct Key
    {
        private const ulong NonAscii = 0x8080_8080_8080_8080;
        private readonly int _start;
        private readonly int _length;
        private readonly ulong _prefix;

        public Key(ReadOnlySpan<byte> json, int start, int length)
        {
            _start = start;
            _length = length;
            if (start <= json.Length - sizeof(ulong))
            {
                var word = BinaryPrimitives.ReadUInt64BigEndian(json[start..]);
                _prefix = length >= sizeof(ulong) ? word : word & ~(ulong.MaxValue >> (8 * length));
            }
            else
            {
                for (var i = 0; i < sizeof(ulong); i++)
                {
                    _prefix = (_prefix << 8) | (i < length ? json[start + i] : 0u);
                }
            }
        }

        /// <summary>The order of RFC 8785 section 3.2.3 (0 for equal keys): from the prefixes when they decide it, else in full.</summary>
        public static int Compare(ReadOnlySpan<byte> json, in Key x, in Key y)
        {
            if (x._prefix != y._prefix && ((x._prefix | y._prefix) & NonAscii) == 0)
            {
                return x._prefix < y._prefix ? -1 : 1;
            }

            return Utf16KeyOrder.Compare(json.Slice(x._start, x._length), json.Slice(y._start, y._length));
        }
    }
}
