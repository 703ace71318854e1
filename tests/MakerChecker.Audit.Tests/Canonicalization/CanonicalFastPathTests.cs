using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// The canonical fast path must never change a hash: whenever it takes a value's bytes as they are, the full
/// canonicalizer writes exactly those bytes; when it declines, the caller falls back to the full canonicalizer.
/// The texts are generated as JSON a hostile or careless writer could produce: escapes of every kind, lone
/// surrogates, invalid UTF-8, numbers of every shape, unsorted and duplicate keys, whitespace, nesting.
/// </summary>
public class CanonicalFastPathTests
{
    [Property(MaxTest = 10000)]
    public Property Whenever_it_takes_the_bytes_as_they_are_the_full_canonicalizer_writes_the_same_bytes() =>
        Prop.ForAll(Arb.From(JsonTexts.Any), Arb.From(Gen.Elements(true, false)), (json, checkWhole) =>
        {
            var fast = FastPath(json.Bytes, checkWhole);
            var full = Full(json.Bytes);
            return (fast.Outcome switch
            {
                FastOutcome.Accepted => full.Bytes is not null && fast.Bytes!.AsSpan().SequenceEqual(full.Bytes),
                FastOutcome.ReaderFailed => full.Code == AuditReasonCodes.MalformedJson,
                _ => true, // declined: the caller canonicalizes with the full writer, which is what Full is
            }).Classify(fast.Outcome == FastOutcome.Accepted, "taken as is")
              .Label($"{json}: fast {fast.Outcome} {Show(fast.Bytes)}, full {full.Code ?? Show(full.Bytes)}");
        });

    [Property(MaxTest = 2000)]
    public Property It_takes_canonical_text_of_the_usual_shapes_as_it_is() =>
        Prop.ForAll(Arb.From(JsonTexts.UsualShapes), json =>
        {
            var canonical = Full(json.Bytes).Bytes!;
            var fast = FastPath(canonical, checkWhole: true);
            return (fast.Outcome == FastOutcome.Accepted && fast.Bytes!.AsSpan().SequenceEqual(canonical))
                .Label($"{Show(canonical)}: {fast.Outcome}");
        });

    [Theory]
    [InlineData("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\"}}")]
    [InlineData("\"tab\\tquote\\\"backslash\\\\ctl\\u001f\\u0000\"")]
    [InlineData("[0,-1,125.5,-0.25,0.000001,123456789012345,12345678901234.5]")]
    [InlineData("{\"\":0,\"a\":0,\"é\":0,\"𝄞\":0,\"\uFFFF\":0}")]
    public void Canonical_text_is_taken_as_it_is(string json) =>
        Assert.Equal(FastOutcome.Accepted, FastPath(Encoding.UTF8.GetBytes(json), checkWhole: false).Outcome);

    [Theory]
    [InlineData("{\"b\":1,\"a\":2}")] // key order
    [InlineData("{\"a\":1,\"a\":2}")] // duplicate
    [InlineData("{\"\\u0061\":1}")] // escaped key
    [InlineData("{ \"a\":1}")] // whitespace
    [InlineData("[1, 2]")]
    [InlineData("\"\\/\"")] // an escape JCS does not write
    [InlineData("\"\\u00e9\"")]
    [InlineData("\"\\u000A\"")] // uppercase hex
    [InlineData("\"\\u000a\"")] // has a short form
    [InlineData("\"\\ud83d\\ude00\"")]
    [InlineData("\"\\ud800\"")] // lone surrogate
    [InlineData("-0")]
    [InlineData("1.0")]
    [InlineData("-0.0")]
    [InlineData("1e3")]
    [InlineData("0.0000001")]
    [InlineData("1234567890123456")]
    [InlineData("1.234567890123456")]
    public void Anything_else_is_left_to_the_full_canonicalizer(string json) =>
        Assert.Equal(FastOutcome.Declined, FastPath(Encoding.UTF8.GetBytes(json), checkWhole: false).Outcome);

    [Fact]
    public void Invalid_utf8_in_a_string_is_left_to_the_full_canonicalizer_which_refuses_it()
    {
        byte[] json = [(byte)'[', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)']'];
        Assert.Equal(FastOutcome.Declined, FastPath(json, checkWhole: true).Outcome);
        Assert.Equal(AuditReasonCodes.InvalidUtf8, Full(json).Code);
    }

    internal enum FastOutcome { Accepted, Declined, ReaderFailed }

    /// <summary>What a caller of the fast path does: read the first token, try the value, stop at the first failure.</summary>
    private static (FastOutcome Outcome, byte[]? Bytes) FastPath(byte[] json, bool checkWhole)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            reader.Read();
            return CanonicalFastPath.TryRead(ref reader, json, checkWhole && Utf8.IsValid(json), out var start, out var length)
                ? (FastOutcome.Accepted, json.AsSpan(start, length).ToArray())
                : (FastOutcome.Declined, null);
        }
        catch (JsonException)
        {
            return (FastOutcome.ReaderFailed, null);
        }
    }

    private static (byte[]? Bytes, string? Code) Full(byte[] json)
    {
        try
        {
            return (JsonCanonicalizer.Canonicalize(json), null);
        }
        catch (CanonicalJsonException ex)
        {
            return (null, ex.ReasonCode);
        }
    }

    private static string Show(byte[]? bytes) => bytes is null ? "-" : Convert.ToHexString(bytes) + " " + Encoding.UTF8.GetString(bytes);
}

/// <summary>Generated JSON text, kept as bytes because it may hold invalid UTF-8.</summary>
public sealed record JsonText(byte[] Bytes)
{
    public override string ToString() => Encoding.UTF8.GetString(Bytes) + " [" + Convert.ToHexString(Bytes) + "]";
}

/// <summary>
/// Generators of JSON text. Every choice has a canonical option, taken most of the time, so that many generated
/// values are canonical as a whole and the rest differ from canonical in one or two places.
/// </summary>
internal static class JsonTexts
{
    // Characters that stress string handling: controls with and without short forms, quote, backslash, slash, DEL,
    // two- and three-byte characters, the ends of the BMP around the surrogates, and an astral character.
    private static readonly string[] Characters =
    [
        "a", "z", "A", "0", " ", "/", "\"", "\\", "\u007f", "\b", "\t", "\n", "\f", "\r", "\u0000", "\u0001", "\u001f",
        "é", "€", "\ud7ff", "\ue000", "\uffff", "𝄞", "🙂",
    ];

    // Keys of eight bytes and more, some sharing their first eight bytes, some with a non-ASCII byte among them: the
    // recognizer orders keys by their first eight bytes when those decide it.
    private static readonly string[] Keys =
    [
        "", "a", "b", "aa", "B", "é", "\ue000", "𝄞", "id", "kind", "a\"b", "\n", "abcdefgh", "abcdefgha", "abcdefghb", "abcdefgé",
        "abcdefg\ue000", "abcdefg𝄞", "payloadDigest",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "7", "10", "100", "125.5", "-0.25", "0.5", "0.000001", "0.0000001", "1.0", "-0.0", "0.10",
        "1e3", "1E3", "1e+21", "1e-7", "1.5e300", "5e-324", "1e400", "123456789012345", "1234567890123456",
        "9007199254740992", "9007199254740993", "12345678901234567890", "123456789012345.5", "12345678901234.5",
        "1.23456789012345", "1.234567890123456", "1.2345678901234567", "0.1234567890123456789", "4124.5", "-4124.75",
    ];

    public static Gen<JsonText> Any { get; } = Value(3, usual: false).Select(parts => new JsonText([.. parts]));

    /// <summary>Values whose canonical form the fast path must recognise: no exponents, short numbers, plain keys.</summary>
    public static Gen<JsonText> UsualShapes { get; } = Value(3, usual: true).Select(parts => new JsonText([.. parts]));

    private static Gen<IEnumerable<byte>> Value(int depth, bool usual)
    {
        var scalar = Gen.Frequency(
            (4, String(usual)),
            (3, Number(usual)),
            (1, Gen.Elements("true", "false", "null").Select(Utf8Bytes)));
        return depth == 0
            ? scalar
            : Gen.Frequency((3, scalar), (2, Object(depth - 1, usual)), (1, Array(depth - 1, usual)));
    }

    private static Gen<IEnumerable<byte>> Number(bool usual) =>
        usual
            ? Gen.OneOf(Gen.Choose(-1_000_000, 1_000_000).Select(n => Utf8Bytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
                Gen.Elements("125.5", "-0.25", "0.5", "0.000001", "4124.5", "123456789012345", "12345678901234.5").Select(Utf8Bytes))
            : Gen.Frequency((4, Gen.Elements(Numbers).Select(Utf8Bytes)), (1, Digits()));

    /// <summary>Random digit strings in every JSON number shape, with or without sign, fraction and exponent.</summary>
    private static Gen<IEnumerable<byte>> Digits() =>
        from negative in Gen.Elements(true, false)
        from integer in Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("0123456789".ToCharArray()), n))
        from fraction in Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("0123456789".ToCharArray()), n))
        from exponent in Gen.Elements("", "e5", "E-3", "e+2", "e-10")
        let whole = integer.Length == 0 || integer[0] == '0' ? "0" : new string(integer)
        select Utf8Bytes((negative ? "-" : "") + whole + (fraction.Length == 0 ? "" : "." + new string(fraction)) + exponent);

    private static Gen<IEnumerable<byte>> String(bool usual) =>
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(StringPiece(usual), n))
            .Select(pieces => (IEnumerable<byte>)[(byte)'"', .. pieces.SelectMany(p => p), (byte)'"']);

    /// <summary>One character, written literally or escaped in one of the ways JSON allows; now and then a lone surrogate or a broken UTF-8 sequence.</summary>
    private static Gen<byte[]> StringPiece(bool usual)
    {
        var character = Gen.Elements(Characters).SelectMany(c => usual ? Gen.Constant(Canonical(c)) : Gen.Frequency(
            (8, Gen.Constant(Canonical(c))),
            (1, Gen.Elements(true, false).Select(upper => UnicodeEscapes(c, upper))),
            (1, Gen.Constant(c == "/" ? "\\/"u8.ToArray() : Canonical(c)))));
        return usual
            ? character
            : Gen.Frequency(
                (40, character),
                (1, Gen.Elements("\\ud800", "\\udc00", "\\uD83D", "\\ud83d\\u0041").Select(Utf8Bytes).Select(b => b.ToArray())),
                (1, Gen.Elements<byte[]>([0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82]))); // invalid UTF-8, an encoded surrogate
    }

    private static Gen<IEnumerable<byte>> Object(int depth, bool usual) =>
        from count in Gen.Choose(0, 5)
        from keys in Gen.ArrayOf(Gen.Elements(usual ? Keys.Where(k => k != "a\"b" && k != "\n").ToArray() : Keys), count)
        from values in Gen.ArrayOf(Value(depth, usual), count)
        from sorted in usual ? Gen.Constant(true) : Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from unique in usual ? Gen.Constant(true) : Gen.Frequency((6, Gen.Constant(true)), (1, Gen.Constant(false)))
        from escapeKeys in usual ? Gen.Constant(false) : Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
        from spaces in Spacing(usual)
        select Members(keys, values, sorted, unique, escapeKeys, spaces);

    private static IEnumerable<byte> Members(string[] keys, IEnumerable<byte>[] values, bool sorted, bool unique, bool escapeKeys, string spaces)
    {
        var members = keys.Zip(values).ToList();
        if (unique)
        {
            members = [.. members.DistinctBy(m => m.First, StringComparer.Ordinal)];
        }

        if (sorted)
        {
            members.Sort((x, y) => string.CompareOrdinal(x.First, y.First)); // UTF-16 code unit order, as RFC 8785 sorts
        }

        var body = members.Select(m =>
            (IEnumerable<byte>)[.. (escapeKeys ? UnicodeEscapedString(m.First) : CanonicalString(m.First)), .. Utf8Bytes(spaces), (byte)':', .. m.Second]);
        return [(byte)'{', .. Utf8Bytes(spaces), .. Join(body, spaces), (byte)'}'];
    }

    private static Gen<IEnumerable<byte>> Array(int depth, bool usual) =>
        from count in Gen.Choose(0, 5)
        from values in Gen.ArrayOf(Value(depth, usual), count)
        from spaces in Spacing(usual)
        select (IEnumerable<byte>)[(byte)'[', .. Join(values, spaces), .. Utf8Bytes(spaces), (byte)']'];

    private static Gen<string> Spacing(bool usual) =>
        usual ? Gen.Constant("") : Gen.Frequency((8, Gen.Constant("")), (1, Gen.Elements(" ", "\n", "\t ", "\r\n", "\n" + new string(' ', 40))));

    private static IEnumerable<byte> Join(IEnumerable<IEnumerable<byte>> parts, string spaces) =>
        parts.SelectMany((p, i) => i == 0 ? p : [(byte)',', .. Utf8Bytes(spaces), .. p]);

    private static IEnumerable<byte> CanonicalString(string s) =>
        [(byte)'"', .. s.EnumerateRunes().SelectMany(r => Canonical(r.ToString())), (byte)'"'];

    /// <summary>The character as RFC 8785 writes it inside a string.</summary>
    private static byte[] Canonical(string c) => c switch
    {
        "\"" => "\\\""u8.ToArray(),
        "\\" => "\\\\"u8.ToArray(),
        "\b" => "\\b"u8.ToArray(),
        "\t" => "\\t"u8.ToArray(),
        "\n" => "\\n"u8.ToArray(),
        "\f" => "\\f"u8.ToArray(),
        "\r" => "\\r"u8.ToArray(),
        _ when c[0] < 0x20 => Encoding.ASCII.GetBytes($"\\u{(int)c[0]:x4}"),
        _ => Encoding.UTF8.GetBytes(c),
    };

    private static byte[] UnicodeEscapes(string c, bool upper) =>
        Encoding.ASCII.GetBytes(string.Concat(c.Select(u => "\\u" + ((int)u).ToString(upper ? "X4" : "x4", System.Globalization.CultureInfo.InvariantCulture))));

    private static IEnumerable<byte> UnicodeEscapedString(string s) => [(byte)'"', .. UnicodeEscapes(s, upper: false), (byte)'"'];

    private static IEnumerable<byte> Utf8Bytes(string s) => Encoding.UTF8.GetBytes(s);
}
