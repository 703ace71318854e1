using System.Text.Json;
using System.Text.Unicode;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Recognizes a JSON value whose bytes already are its RFC 8785 form, so that a verifier can hash them as they are
/// instead of re-serializing them. Our exporters write canonical JSON, so this is the usual case.
/// </summary>
/// <remarks>
/// It accepts only what it can prove canonical token by token: no whitespace; object keys unescaped and in strictly
/// increasing UTF-16 order (which also rules out duplicates); strings whose only escapes are the ones RFC 8785 writes;
/// numbers already in ECMAScript's shortest form. On anything else, valid or not, it gives up and the caller
/// canonicalizes the value with <see cref="CanonicalJsonWriter"/>, which then writes or refuses it exactly as it
/// would have without this shortcut. Errors the reader itself raises (malformed JSON) surface at the same token
/// either way, because both read the same tokens in the same order.
/// </remarks>
internal static class CanonicalFastPath
{
    /// <summary>
    /// Reads the value at the reader's current token through its last token, as
    /// <see cref="CanonicalJsonWriter.WriteValue"/> does, and says whether its bytes are already canonical.
    /// </summary>
    /// <param name="reader">Positioned on the value's first token; left on its last token when the result is true.</param>
    /// <param name="json">The reader's input, to which token positions refer.</param>
    /// <param name="jsonIsValidUtf8">Whether <paramref name="json"/> as a whole is known to be valid UTF-8.</param>
    /// <param name="start">Where the value's bytes start in <paramref name="json"/>.</param>
    /// <param name="length">How long the value's bytes are.</param>
    /// <returns>
    /// True when <paramref name="json"/>[<paramref name="start"/>..][..<paramref name="length"/>] is the value's
    /// canonical form. False leaves the reader part way through the value: restore a copy taken before the call.
    /// </returns>
    public static bool TryRead(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, bool jsonIsValidUtf8, out int start, out int length)
    {
        var begin = reader.TokenStartIndex;
        var position = begin;
        var canonical = TryValue(ref reader, json, jsonIsValidUtf8, ref position);
        start = (int)begin;
        length = canonical ? (int)(position - begin) : 0;
        return canonical;
    }

    /// <summary><paramref name="position"/> is where the token must start if no whitespace precedes it; it moves past the value.</summary>
    private static bool TryValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, bool validUtf8, ref long position)
    {
        if (reader.TokenStartIndex != position)
        {
            return false; // whitespace
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                position++;
                return TryObjectBody(ref reader, json, validUtf8, ref position);
            case JsonTokenType.StartArray:
                position++;
                return TryArrayBody(ref reader, json, validUtf8, ref position);
            case JsonTokenType.String:
                position += reader.ValueSpan.Length + 2;
                return IsCanonicalString(reader.ValueSpan, reader.ValueIsEscaped, validUtf8);
            case JsonTokenType.Number:
                position += reader.ValueSpan.Length;
                return IsCanonicalNumber(reader.ValueSpan);
            case JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                position += reader.ValueSpan.Length;
                return true;
            default:
                return false;
        }
    }

    private static bool TryObjectBody(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, bool validUtf8, ref long position)
    {
        var previousKey = ReadOnlySpan<byte>.Empty;
        var first = true;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return reader.TokenStartIndex == position++;
            }

            if (!first && !IsSeparator(json, ref position, (byte)','))
            {
                return false;
            }

            // Escaped keys are rare; resolving them and ordering the result is the writer's job.
            var key = reader.ValueSpan;
            if (reader.TokenStartIndex != position || reader.ValueIsEscaped || (!validUtf8 && !Utf8.IsValid(key)) ||
                (!first && Utf16KeyOrder.Compare(previousKey, key) >= 0))
            {
                return false;
            }

            position += key.Length + 2;
            previousKey = key;
            first = false;
            if (!IsSeparator(json, ref position, (byte)':') || !reader.Read() || !TryValue(ref reader, json, validUtf8, ref position))
            {
                return false;
            }
        }

        return false;
    }

    private static bool TryArrayBody(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, bool validUtf8, ref long position)
    {
        var first = true;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return reader.TokenStartIndex == position++;
            }

            if ((!first && !IsSeparator(json, ref position, (byte)',')) || !TryValue(ref reader, json, validUtf8, ref position))
            {
                return false;
            }

            first = false;
        }

        return false;
    }

    /// <summary>Steps over <paramref name="separator"/> if it is the very next byte (the reader has checked the grammar).</summary>
    private static bool IsSeparator(ReadOnlySpan<byte> json, ref long position, byte separator)
    {
        if (position >= json.Length || json[(int)position] != separator)
        {
            return false;
        }

        position++;
        return true;
    }

    /// <summary>
    /// A string token (raw, between its quotes) is canonical when it is valid UTF-8 and each escape is the one
    /// RFC 8785 writes: <c>\"</c>, <c>\\</c>, the five short forms for control characters, and <c>\u00xx</c> in
    /// lowercase hex for the other control characters. Unescaped, the reader has already excluded quotes,
    /// backslashes and control characters.
    /// </summary>
    internal static bool IsCanonicalString(ReadOnlySpan<byte> raw, bool isEscaped, bool knownValidUtf8)
    {
        if (!knownValidUtf8 && !Utf8.IsValid(raw))
        {
            return false;
        }

        if (!isEscaped)
        {
            return true;
        }

        for (var i = raw.IndexOf((byte)'\\'); i >= 0; i = raw.IndexOf((byte)'\\'))
        {
            var kind = raw[i + 1];
            if (kind == 'u')
            {
                if (!IsCanonicalUnicodeEscape(raw.Slice(i + 2, 4)))
                {
                    return false;
                }

                raw = raw[(i + 6)..];
            }
            else if (kind is (byte)'"' or (byte)'\\' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                raw = raw[(i + 2)..];
            }
            else
            {
                return false; // "\/"
            }
        }

        return true;
    }

    /// <summary><c>\u00xx</c> with lowercase hex, for a control character that has no short form.</summary>
    internal static bool IsCanonicalUnicodeEscape(ReadOnlySpan<byte> hex)
    {
        if (hex[0] != '0' || hex[1] != '0' || hex[2] is not ((byte)'0' or (byte)'1') || !IsLowerHexDigit(hex[3]))
        {
            return false;
        }

        var value = ((hex[2] - '0') << 4) | (hex[3] <= '9' ? hex[3] - '0' : hex[3] - 'a' + 10);
        return value is not ('\b' or '\t' or '\n' or '\f' or '\r');
    }

    private static bool IsLowerHexDigit(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f';

    /// <summary>
    /// A number token (already valid JSON: no leading zeros, digits after a dot) is canonical when ECMAScript would
    /// print its value with exactly these characters. Checked for the common shapes only: an integer of at most 15
    /// digits other than -0 (what <see cref="CanonicalJsonWriter"/> copies as it is), and a plain decimal with at most
    /// 15 significant digits, no trailing zero and, below 1, at most five zeros after the point. A decimal of at most
    /// 15 significant digits is the shortest text that reads back as its double (two such decimals always lie more
    /// than one double apart), and ECMAScript writes such a value in plain notation from 1e-6 up to 1e21.
    /// </summary>
    internal static bool IsCanonicalNumber(ReadOnlySpan<byte> text)
    {
        var negative = text[0] == '-';
        var digits = negative ? text[1..] : text;
        var dot = digits.IndexOf((byte)'.');
        if (digits.IndexOfAny((byte)'e', (byte)'E') >= 0)
        {
            return false;
        }

        if (dot < 0)
        {
            return digits.Length <= 15 && !(negative && digits is [(byte)'0']);
        }

        var integerPart = digits[..dot];
        var fraction = digits[(dot + 1)..];
        if (fraction[^1] == '0')
        {
            return false; // a trailing zero, or a zero value such as 0.0 or -0.0
        }

        if (integerPart is not [(byte)'0'])
        {
            return integerPart.Length + fraction.Length <= 15;
        }

        var zeros = fraction.IndexOfAnyExcept((byte)'0');
        return zeros <= 5 && fraction.Length - zeros <= 15;
    }
}
