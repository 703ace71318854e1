using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// The RFC 8785 (JCS) engine: reads one JSON value and appends its canonical form to <see cref="Output"/>.
/// It refuses, rather than silently resolves, everything I-JSON (RFC 7493) forbids or two parsers could read
/// differently: duplicate keys, invalid UTF-8, lone surrogates, trailing data and numbers beyond double precision.
/// </summary>
/// <remarks>Not thread-safe; reuse one instance per thread to keep its buffers warm.</remarks>
internal sealed partial class CanonicalJsonWriter : IDisposable
{
    private const long MaxExactInteger = 9_007_199_254_740_992; // 2^53: above it, doubles skip integers.
    private static readonly SearchValues<byte> MustEscape = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\']);

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    /// <summary>A spare writer larger than this (after a large payload) is not kept: its buffers go back to the pool.</summary>
    private const int MaxSpareBytes = 64 * 1024;

    [ThreadStatic]
    private static CanonicalJsonWriter? t_spare;

    private readonly ByteBuffer _keys = new(256);
    private readonly ByteBuffer _unescaped = new(256);
    private readonly ByteBuffer _scratch = new(1024);
    private readonly List<List<Member>> _membersByDepth = [];

    /// <summary>The canonical bytes written so far.</summary>
    public ByteBuffer Output { get; } = new(4096);

    /// <summary>
    /// This thread's spare writer, emptied, or a new one when the spare is in use; give it back with <see cref="Return"/>
    /// once its output has been copied. Appends canonicalize several fields each: this spares them the buffers.
    /// </summary>
    public static CanonicalJsonWriter Rent()
    {
        var writer = t_spare ?? new CanonicalJsonWriter();
        t_spare = null;
        writer.Output.Clear();
        writer._keys.Clear();
        writer._unescaped.Clear();
        writer._scratch.Clear();
        writer.CopiesCanonicalTokens = false;
        return writer;
    }

    /// <summary>Keeps <paramref name="writer"/> (from <see cref="Rent"/>) as this thread's spare, or disposes it.</summary>
    public static void Return(CanonicalJsonWriter writer)
    {
        if (t_spare is null && writer.Output.Capacity <= MaxSpareBytes && writer._scratch.Capacity <= MaxSpareBytes)
        {
            t_spare = writer;
            return;
        }

        writer.Dispose();
    }

    /// <summary>
    /// The verifier's shortcut, off unless a caller sets it: the caller has checked that all the text the reader reads
    /// is valid UTF-8, so strings and keys are not checked one by one, and tokens <see cref="CanonicalFastPath"/> proves
    /// canonical (strings with only the escapes RFC 8785 writes, numbers already in ECMAScript form) are copied as they
    /// are. Whitespace and key order are still resolved here. <see cref="JsonCanonicalizer"/>, the reference
    /// verifier's canonicalizer, leaves it off, so that the differential tests compare the shortcut with the definition.
    /// </summary>
    public bool CopiesCanonicalTokens { get; set; }

    /// <summary>Canonicalizes the one JSON value that <paramref name="json"/> holds and appends it to <see cref="Output"/>.</summary>
    /// <exception cref="CanonicalJsonException">The text is not a single well-formed I-JSON value.</exception>
    public void WriteDocument(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw new CanonicalJsonException(MalformedJson, "The JSON text is empty.");
            }

            WriteValue(ref reader);
            if (reader.Read())
            {
                throw new CanonicalJsonException(TrailingData, "Data follows the JSON value.");
            }
        }
        catch (JsonException ex)
        {
            // Trailing only once the top-level value is complete: on its opening '{' or '[' the depth is 0 too.
            var code = reader.BytesConsumed > 0 && reader.CurrentDepth == 0 &&
                reader.TokenType is not (JsonTokenType.None or JsonTokenType.StartObject or JsonTokenType.StartArray)
                ? TrailingData
                : MalformedJson;
            throw new CanonicalJsonException(code, $"The JSON text is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the value at the reader's current token, leaving the reader on the value's last token.</summary>
    public void WriteValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader);
                break;
            case JsonTokenType.StartArray:
                Output.Write((byte)'[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        Output.Write((byte)',');
                    }

                    first = false;
                    WriteValue(ref reader);
                }

                Output.Write((byte)']');
                break;
            case JsonTokenType.String:
                WriteStringToken(ref reader);
                break;
            case JsonTokenType.Number when CopiesCanonicalTokens && CanonicalFastPath.IsCanonicalNumber(reader.ValueSpan):
                Output.Write(reader.ValueSpan); // already in ECMAScript form: what WriteNumber would write
                break;
            case JsonTokenType.Number:
                WriteNumber(reader.ValueSpan);
                break;
            case JsonTokenType.True:
                Output.Write("true"u8);
                break;
            case JsonTokenType.False:
                Output.Write("false"u8);
                break;
            case JsonTokenType.Null:
                Output.Write("null"u8);
                break;
            default:
                throw new CanonicalJsonException(MalformedJson, $"Unexpected JSON token {reader.TokenType}.");
        }
    }

    /// <summary>Writes the string token at the reader as a canonical JSON string.</summary>
    public void WriteStringToken(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped || (CopiesCanonicalTokens && CanonicalFastPath.IsCanonicalString(raw, isEscaped: true, knownValidUtf8: true)))
        {
            // Unescaped JSON strings cannot hold quotes, backslashes or control characters, and escapes RFC 8785
            // writes itself decode to what they would be written as: copy them as they are.
            if (!CopiesCanonicalTokens && !Utf8.IsValid(raw))
            {
                throw new CanonicalJsonException(InvalidUtf8, "A string is not valid UTF-8.");
            }

            WriteQuoted(raw);
            return;
        }

        _unescaped.Clear();
        Unescape(raw, _unescaped);
        WriteString(_unescaped.WrittenSpan);
    }

    private void WriteQuoted(ReadOnlySpan<byte> raw)
    {
        var span = Output.GetSpan(raw.Length + 2);
        span[0] = (byte)'"';
        raw.CopyTo(span[1..]);
        span[raw.Length + 1] = (byte)'"';
        Output.Advance(raw.Length + 2);
    }

    /// <summary>Writes <paramref name="utf8"/> (already unescaped, valid UTF-8) as a canonical JSON string.</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        Output.Write((byte)'"');
        while (true)
        {
            var next = utf8.IndexOfAny(MustEscape);
            if (next < 0)
            {
                Output.Write(utf8);
                break;
            }

            Output.Write(utf8[..next]);
            var b = utf8[next];
            switch (b)
            {
                case (byte)'"': Output.Write("\\\""u8); break;
                case (byte)'\\': Output.Write("\\\\"u8); break;
                case (byte)'\b': Output.Write("\\b"u8); break;
                case (byte)'\f': Output.Write("\\f"u8); break;
                case (byte)'\n': Output.Write("\\n"u8); break;
                case (byte)'\r': Output.Write("\\r"u8); break;
                case (byte)'\t': Output.Write("\\t"u8); break;
                default:
                    Output.Write("\\u00"u8);
                    Output.Write((byte)"0123456789abcdef"[b >> 4]);
                    Output.Write((byte)"0123456789abcdef"[b & 0xF]);
                    break;
            }

            utf8 = utf8[(next + 1)..];
        }

        Output.Write((byte)'"');
    }

    /// <summary>Writes a .NET string as a canonical JSON string, refusing lone surrogates.</summary>
    public void WriteString(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            if (Utf8.FromUtf16(value, bytes, out _, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                throw IllFormed();
            }

            WriteString(bytes.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    public void Dispose()
    {
        Output.Dispose();
        _keys.Dispose();
        _unescaped.Dispose();
        _scratch.Dispose();
    }

    private void WriteObject(ref Utf8JsonReader reader)
    {
        var o = StartObject(reader.CurrentDepth);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            BeginMember(ref o);
            if (reader.ValueIsEscaped)
            {
                Unescape(reader.ValueSpan, _keys);
                o.KeyLength = _keys.Length - o.KeyStart;
                WriteString(_keys.WrittenSpan.Slice(o.KeyStart, o.KeyLength));
            }
            else
            {
                if (!CopiesCanonicalTokens && !Utf8.IsValid(reader.ValueSpan))
                {
                    throw new CanonicalJsonException(InvalidUtf8, "An object key is not valid UTF-8.");
                }

                _keys.Write(reader.ValueSpan);
                o.KeyLength = reader.ValueSpan.Length;
                WriteQuoted(reader.ValueSpan); // an unescaped key needs no escapes
            }

            Output.Write((byte)':');
            reader.Read();
            WriteValue(ref reader);
            EndMember(ref o);
        }

        EndObject(o);
    }

    private void SortMembers(List<Member> members, int bodyStart)
    {
        var span = CollectionsMarshal.AsSpan(members);
        if (span.Length <= 16)
        {
            // An event's payload has a dozen members: an insertion sort, without the comparer the general sort allocates.
            for (var i = 1; i < span.Length; i++)
            {
                var member = span[i];
                var j = i - 1;
                for (; j >= 0 && CompareKeys(span[j], member) > 0; j--) span[j + 1] = span[j];
                span[j + 1] = member;
            }
        }
        else
        {
            span.Sort(new KeyComparer(this));
        }
        for (var i = 1; i < span.Length; i++)
        {
            if (CompareKeys(span[i - 1], span[i]) == 0)
            {
                var key = Encoding.UTF8.GetString(_keys.WrittenSpan.Slice(span[i].KeyStart, span[i].KeyLength));
                throw new CanonicalJsonException(DuplicateKey, $"The object key \"{key}\" appears more than once.");
            }
        }

        // Rewrite the members in key order: copy the body aside, then write it back member by member.
        _scratch.Clear();
        _scratch.Write(Output.WrittenSpan[bodyStart..]);
        Output.Length = bodyStart;
        for (var i = 0; i < span.Length; i++)
        {
            if (i > 0)
            {
                Output.Write((byte)',');
            }

            Output.Write(_scratch.WrittenSpan.Slice(span[i].Start - bodyStart, span[i].Length));
        }
    }

    private int CompareKeys(Member a, Member b) => Utf16KeyOrder.Compare(
        _keys.WrittenSpan.Slice(a.KeyStart, a.KeyLength), _keys.WrittenSpan.Slice(b.KeyStart, b.KeyLength));

    private void WriteNumber(ReadOnlySpan<byte> text)
    {
        var negative = text[0] == '-';
        var digits = negative ? text[1..] : text;
        var isInteger = digits.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
        if (isInteger && digits.Length <= 15)
        {
            // JSON forbids leading zeros, so a short integer is already in ECMAScript form (except -0).
            if (negative && digits is [(byte)'0'])
            {
                Output.Write((byte)'0');
            }
            else
            {
                Output.Write(text);
            }

            return;
        }

        // Above 2^53 doubles skip integers: a parser reading doubles and one reading exact integers would disagree.
        if (isInteger && (digits.Length > 16 || long.Parse(digits, provider: System.Globalization.CultureInfo.InvariantCulture) > MaxExactInteger))
        {
            throw new CanonicalJsonException(AmbiguousNumber,
                $"The integer {Encoding.ASCII.GetString(text)} is beyond 2^53: " +
                "parsers that read doubles and parsers that read exact integers would disagree on it.");
        }

        var value = double.Parse(text, provider: System.Globalization.CultureInfo.InvariantCulture);
        if (!isInteger && SignificantDigits(digits) > 17)
        {
            throw new CanonicalJsonException(AmbiguousNumber,
                $"The number {Encoding.ASCII.GetString(text)} has more significant digits than a double holds: parsers would round it differently.");
        }

        EcmaScriptNumber.Write(value, Output);
    }

    private static int SignificantDigits(ReadOnlySpan<byte> number)
    {
        var e = number.IndexOfAny((byte)'e', (byte)'E');
        var mantissa = e >= 0 ? number[..e] : number;
        var first = mantissa.IndexOfAnyExcept((byte)'0', (byte)'.');
        if (first < 0)
        {
            return 0;
        }

        var last = mantissa.LastIndexOfAnyExcept((byte)'0', (byte)'.');
        var count = last - first + 1;
        return mantissa[first..(last + 1)].Contains((byte)'.') ? count - 1 : count;
    }

    private readonly record struct Member(int KeyStart, int KeyLength, int Start, int Length);

    private readonly struct KeyComparer(CanonicalJsonWriter owner) : IComparer<Member>
    {
        public int Compare(Member x, Member y) => owner.CompareKeys(x, y);
    }
}
