using System.Text;
using System.Text.Unicode;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Canonicalization;

// Decoding a JSON string's escapes: the part of the writer that enforces I-JSON's rules on string content.
internal sealed partial class CanonicalJsonWriter
{
    /// <summary>Decodes a JSON string's escapes into UTF-8, refusing lone surrogates (I-JSON, RFC 7493 section 2.1).</summary>
    private static void Unescape(ReadOnlySpan<byte> raw, ByteBuffer output)
    {
        if (!Utf8.IsValid(raw))
        {
            throw new CanonicalJsonException(InvalidUtf8, "A string is not valid UTF-8.");
        }

        while (!raw.IsEmpty)
        {
            var backslash = raw.IndexOf((byte)'\\');
            if (backslash < 0)
            {
                output.Write(raw);
                return;
            }

            output.Write(raw[..backslash]);
            var kind = raw[backslash + 1];
            raw = raw[(backslash + 2)..];
            switch (kind)
            {
                case (byte)'b': output.Write((byte)'\b'); break;
                case (byte)'f': output.Write((byte)'\f'); break;
                case (byte)'n': output.Write((byte)'\n'); break;
                case (byte)'r': output.Write((byte)'\r'); break;
                case (byte)'t': output.Write((byte)'\t'); break;
                case (byte)'u':
                    var unit = ReadHex4(raw);
                    raw = raw[4..];
                    int codePoint = unit;
                    if (char.IsLowSurrogate((char)unit))
                    {
                        throw IllFormed();
                    }

                    if (char.IsHighSurrogate((char)unit))
                    {
                        if (raw.Length < 6 || raw[0] != '\\' || raw[1] != 'u' || !char.IsLowSurrogate((char)ReadHex4(raw[2..])))
                        {
                            throw IllFormed();
                        }

                        codePoint = char.ConvertToUtf32((char)unit, (char)ReadHex4(raw[2..]));
                        raw = raw[6..];
                    }

                    var rune = new Rune(codePoint);
                    rune.EncodeToUtf8(output.GetSpan(4));
                    output.Advance(rune.Utf8SequenceLength);
                    break;
                default: output.Write(kind); break; // '"', '\\' and '/' stand for themselves.
            }
        }
    }

    private static int ReadHex4(ReadOnlySpan<byte> hex) =>
        (HexValue(hex[0]) << 12) | (HexValue(hex[1]) << 8) | (HexValue(hex[2]) << 4) | HexValue(hex[3]);

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => c - 'A' + 10, // the reader has already checked the escape is valid hex
    };

    private static CanonicalJsonException IllFormed() => new(IllFormedString,
        "ill-formed string: a string contains an unpaired UTF-16 surrogate, which I-JSON (RFC 7493) forbids.");
}
