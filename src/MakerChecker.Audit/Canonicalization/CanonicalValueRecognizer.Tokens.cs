using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// The recognizer's tokens: strings, numbers and literals that are canonical as they are written, and whitespace. Each
/// step either moves past a token it has checked completely or says false and leaves the decision to the reader path.
/// </summary>
internal sealed partial class CanonicalValueRecognizer
{
    /// <summary>
    /// Steps over a string token at <paramref name="json"/>[<paramref name="position"/>] (which is a quote) whose text
    /// is canonical as it stands: well-formed UTF-8, no raw control character, and only the escapes RFC 8785 writes.
    /// </summary>
    /// <param name="json">The text; its UTF-8 is checked here, string by string (outside strings only ASCII is ever accepted).</param>
    /// <param name="position">At the opening quote; moved past the closing quote when the result is true.</param>
    /// <param name="escaped">Whether the string holds any escape.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryCanonicalString(ReadOnlySpan<byte> json, ref int position, out bool escaped)
    {
        // Inline, the usual case: a string that ends within sixteen bytes, without an escape. Otherwise, from the start.
        var p = position + 1;
        if (Vector128.IsHardwareAccelerated && p <= json.Length - Vector128<byte>.Count)
        {
            var stops = StringStops(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(json), (nuint)p)); // in bounds: checked above
            if (stops != 0)
            {
                p += BitOperations.TrailingZeroCount(stops);
                if (json[p] == '"')
                {
                    escaped = false;
                    position = p + 1;
                    return true;
                }

                p = position + 1; // an escape or a control character: from the start, where each is checked
            }
            else
            {
                p += Vector128<byte>.Count; // sixteen bytes of plain content: on from there
            }
        }

        // The end comes back as a value: a position passed by reference to a call lives in memory for the whole caller.
        var end = CanonicalStringEndFrom(json, p, out escaped);
        position = end < 0 ? position : end;
        return end >= 0;
    }

    /// <summary>
    /// The bit mask of the bytes of <paramref name="block"/> that end a run of plain ASCII string content: the quote, a
    /// backslash, a control character, or a byte of a multi-byte character (its top bit set), whose sequence is checked.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint StringStops(Vector128<byte> block) =>
        (Vector128.Equals(block, Vector128.Create((byte)'"')) | Vector128.Equals(block, Vector128.Create((byte)'\\')) |
         Vector128.LessThan(block, Vector128.Create((byte)' ')) | block).ExtractMostSignificantBits();

    /// <summary>
    /// The same, for a string whose content from its opening quote up to <paramref name="p"/> is plain (no stop): where it
    /// ends (past its closing quote), or -1.
    /// </summary>
    private static int CanonicalStringEndFrom(ReadOnlySpan<byte> json, int p, out bool escaped)
    {
        escaped = false;
        while (true)
        {
            p = IndexOfStringStop(json, p);
            if (p < 0)
            {
                return -1; // unterminated
            }

            if (json[p] == '"')
            {
                return p + 1;
            }

            if (json[p] >= 0x80)
            {
                // A multi-byte character: well-formed UTF-8 (no overlong form, no surrogate, nothing cut), as Utf8.IsValid checks.
                if (Rune.DecodeFromUtf8(json[p..], out _, out var length) != OperationStatus.Done)
                {
                    return -1;
                }

                p += length;
                continue;
            }

            if (json[p] != '\\' || p + 1 == json.Length)
            {
                return -1; // a raw control character, or a backslash at the very end
            }

            escaped = true;
            var kind = json[p + 1];
            if (kind is (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                p += 2;
            }
            else if (kind == 'u' && p + 6 <= json.Length && CanonicalFastPath.IsCanonicalUnicodeEscape(json.Slice(p + 2, 4)))
            {
                p += 6;
            }
            else
            {
                return -1; // "\/", "\u00e9", a surrogate, uppercase hex: valid perhaps, but not proven canonical here
            }
        }
    }

    /// <summary>
    /// The index of the first byte at or after <paramref name="position"/> that ends a run of plain ASCII string content
    /// (the quote, a backslash, a raw control character, a byte of a multi-byte character), or -1. Sixteen bytes at a time: the strings of a row are mostly
    /// short (keys, ids, timestamps, hex hashes), where a general search's set-up costs more than the search.
    /// </summary>
    private static int IndexOfStringStop(ReadOnlySpan<byte> json, int position)
    {
        if (Vector128.IsHardwareAccelerated && position >= 0)
        {
            ref var start = ref MemoryMarshal.GetReference(json);
            for (; position <= json.Length - Vector128<byte>.Count; position += Vector128<byte>.Count)
            {
                var stops = StringStops(Vector128.LoadUnsafe(ref start, (nuint)position)); // in bounds: checked by the loop condition
                if (stops != 0)
                {
                    return position + BitOperations.TrailingZeroCount(stops);
                }
            }
        }

        for (; position < json.Length; position++)
        {
            if (json[position] is < (byte)' ' or (byte)'"' or (byte)'\\' or >= 0x80)
            {
                return position;
            }
        }

        return -1;
    }

    /// <summary>
    /// Steps over a number token of JSON's grammar (<c>-?(0|[1-9][0-9]*)(\.[0-9]+)?</c>; an exponent is never in the
    /// shortest form this accepts) that is canonical as it stands. The caller checks what follows it.
    /// </summary>
    public static bool TryCanonicalNumber(ReadOnlySpan<byte> json, ref int position)
    {
        var p = position;
        if (Peek(json, p) == '-')
        {
            p++;
        }

        if (Peek(json, p) == '0')
        {
            p++;
        }
        else if (Peek(json, p) is >= (byte)'1' and <= (byte)'9')
        {
            p = SkipDigits(json, p + 1);
        }
        else
        {
            return false;
        }

        if (Peek(json, p) == '.')
        {
            if (!char.IsAsciiDigit((char)Peek(json, p + 1)))
            {
                return false;
            }

            p = SkipDigits(json, p + 1);
        }

        if (Peek(json, p) is (byte)'e' or (byte)'E' || !CanonicalFastPath.IsCanonicalNumber(json[position..p]))
        {
            return false;
        }

        position = p;
        return true;
    }

    /// <summary>Steps over <c>true</c>, <c>false</c> or <c>null</c>.</summary>
    public static bool TryLiteral(ReadOnlySpan<byte> json, ref int position)
    {
        var rest = json[position..];
        var length = rest.StartsWith("true"u8) || rest.StartsWith("null"u8) ? 4 : rest.StartsWith("false"u8) ? 5 : 0;
        position += length;
        return length > 0;
    }

    /// <summary>The index of the first byte at or after <paramref name="position"/> that is not JSON whitespace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        if ((uint)position < (uint)json.Length && json[position] > ' ')
        {
            return position; // the usual case: no whitespace (every whitespace byte is at most a space)
        }

        if ((uint)(position + 1) < (uint)json.Length && json[position] == ' ' && json[position + 1] > ' ')
        {
            return position + 1; // one space, as after the colon of indented text
        }

        if (Vector128.IsHardwareAccelerated && position >= 0 && position <= json.Length - Vector128<byte>.Count)
        {
            // A line break and the indentation after it, shorter than sixteen bytes (indented text's usual run): one
            // compare, inline. The first byte that is neither a space nor a line break ends the run only when it is not
            // whitespace at all (every whitespace byte is at most a space); a tab, a carriage return or a longer run goes
            // the general way below, from the start.
            var block = Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(json), (nuint)position); // in bounds: checked above
            var other = ~(Vector128.Equals(block, Vector128.Create((byte)' ')) | Vector128.Equals(block, Vector128.Create((byte)'\n')))
                .ExtractMostSignificantBits() & 0xFFFF;
            if (other != 0)
            {
                var end = position + BitOperations.TrailingZeroCount(other);
                if (json[end] > ' ')
                {
                    return end;
                }
            }
        }

        return SkipWhitespaceRun(json, position);
    }

    /// <summary>
    /// The same result as <see cref="SkipWhitespace"/>, with only its first two steps inline (no whitespace, or one
    /// space): for the places where indented text has no line break (around a colon, before a comma), so that the
    /// line-break step is not inlined where it never pays.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipShortWhitespace(ReadOnlySpan<byte> json, int position)
    {
        if ((uint)position < (uint)json.Length && json[position] > ' ')
        {
            return position;
        }

        if ((uint)(position + 1) < (uint)json.Length && json[position] == ' ' && json[position + 1] > ' ')
        {
            return position + 1;
        }

        return SkipWhitespaceRun(json, position);
    }

    private static int SkipWhitespaceRun(ReadOnlySpan<byte> json, int position)
    {
        if (Vector128.IsHardwareAccelerated && position >= 0)
        {
            // Indented text has runs of spaces after each line break: sixteen bytes at a time.
            ref var start = ref MemoryMarshal.GetReference(json);
            for (; position <= json.Length - Vector128<byte>.Count; position += Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref start, (nuint)position); // in bounds: checked by the loop condition
                var whitespace = Vector128.Equals(block, Vector128.Create((byte)' ')) | Vector128.Equals(block, Vector128.Create((byte)'\n')) |
                                 Vector128.Equals(block, Vector128.Create((byte)'\r')) | Vector128.Equals(block, Vector128.Create((byte)'\t'));
                var other = ~whitespace.ExtractMostSignificantBits() & 0xFFFF;
                if (other != 0)
                {
                    return position + BitOperations.TrailingZeroCount(other);
                }
            }
        }

        while (position < json.Length && json[position] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            position++;
        }

        return position;
    }

    /// <summary>The byte at <paramref name="position"/>, or 0 past the end (0 is never valid outside a string).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Peek(ReadOnlySpan<byte> json, int position) => (uint)position < (uint)json.Length ? json[position] : (byte)0;

    private static int SkipDigits(ReadOnlySpan<byte> json, int position)
    {
        while (char.IsAsciiDigit((char)Peek(json, position)))
        {
            position++;
        }

        return position;
    }
}
