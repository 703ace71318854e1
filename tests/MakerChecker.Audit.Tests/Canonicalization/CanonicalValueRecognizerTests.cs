using System.Text;
using System.Text.Unicode;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// The row recognizer's value reader on its own, against the full canonicalizer: whatever it accepts, canonical as it
/// stands or rewritten (whitespace dropped, members sorted), is exactly the canonical form; what it declines costs only
/// time. The generated values have unsorted and duplicate keys (side by side or apart), long and prefix-sharing keys,
/// whitespace runs, escapes, odd numbers and broken text, in place of a row's actor or payload.
/// </summary>
public sealed class CanonicalValueRecognizerTests
{
    // Declared before Values, which uses them (static fields are set in order).
    /// <summary>Keys for objects whose members repeat a key apart from its twin: short, long, sharing their first eight bytes, non-ASCII.</summary>
    private static readonly string[] Keys = ["a", "b", "é", "\uE000", "𝄞", "abcdefgh", "abcdefgha", "abcdefghb", "abcdefgé"];

    /// <summary>Objects mostly, as a row's actor and payload are; some indented as upstream writes them.</summary>
    private static Gen<JsonText> Values { get; } = Gen.Frequency(
        (3, JsonTexts.Any),
        (2, JsonTexts.Any.Select(v => new JsonText([.. "{\"z\":0,\"v\":"u8, .. v.Bytes, .. ",\"a\":"u8, .. v.Bytes, (byte)'}']))),
        (1, JsonTexts.Any.Select(v => new JsonText([.. "{\n    \"v\": "u8, .. v.Bytes, .. ",\n    \"v\": 1\n  }"u8]))),
        (1, from keys in Gen.ArrayOf(Gen.Elements(Keys), 4)
            from v in JsonTexts.Any
            select new JsonText(Encoding.UTF8.GetBytes($"{{\"{keys[0]}\":0,\"{keys[1]}\":{Encoding.UTF8.GetString(v.Bytes)}," +
                                                       $"\"{keys[2]}\":1,\"{keys[3]}\":2}}"))));

    [Property(MaxTest = 10000)]
    public Property What_it_accepts_is_exactly_the_canonical_form() =>
        Prop.ForAll(Arb.From(Values), Arb.From(Gen.Choose(0, 40)), (json, padding) =>
        {
            // The value sits in a larger text, as in a row: room after it, where the short copies may read.
            byte[] text = [.. json.Bytes, .. Enumerable.Repeat((byte)' ', padding), (byte)','];
            var full = Full(json.Bytes);
            if (!Utf8.IsValid(text))
            {
                return true.Classify(true, "invalid UTF-8: the caller checks it first"); // the recognizer's precondition
            }

            var recognizer = new CanonicalValueRecognizer();
            using var output = new ByteBuffer(16);
            output.Write("earlier"u8); // what the writer's output already holds must stay as it is
            var end = 0;
            var asItStands = CanonicalValueRecognizer.IsCanonical(text, ref end);
            var position = 0;
            var written = recognizer.TryWrite(text, ref position, output, out var start);
            var rewritten = output.WrittenSpan[start..].ToArray();
            var ok = (!asItStands || (full is not null && text.AsSpan(0, end).SequenceEqual(full) && end == json.Bytes.Length)) &&
                     (!written || (full is not null && rewritten.AsSpan().SequenceEqual(full) && position == json.Bytes.Length &&
                                   start >= "earlier".Length)) &&
                     output.WrittenSpan.StartsWith("earlier"u8);
            return ok.Label($"{json}: as it stands {asItStands}, written {written} {Encoding.UTF8.GetString(rewritten)}, " +
                            $"full {(full is null ? "refused" : Encoding.UTF8.GetString(full))}")
                .Classify(asItStands, "canonical as it stands").Classify(written && !asItStands, "rewritten")
                .Classify(!written, "declined");
        });

    [Theory]
    [InlineData("{\"b\":1,\"a\":2,\"b\":3}")] // a duplicate apart from its twin, found only by the sort
    [InlineData("{\"abcdefghb\":1,\"abcdefgha\":2,\"abcdefghb\":3}")] // the same, with keys whose first eight bytes agree
    [InlineData("{\"b\":{\"y\":1,\"x\":2,\"y\":3},\"a\":0}")] // nested
    public void A_duplicate_key_out_of_order_is_declined(string json)
    {
        var recognizer = new CanonicalValueRecognizer();
        using var output = new ByteBuffer();
        var position = 0;
        Assert.False(recognizer.TryWrite(Encoding.UTF8.GetBytes(json), ref position, output, out _));
    }

    [Theory]
    [InlineData("{\"é\":1,\"\uE000\":2,\"𝄞\":3,\"z\":4}", "{\"z\":4,\"é\":1,\"𝄞\":3,\"\uE000\":2}")] // UTF-16 order, not byte order
    [InlineData("{\"abcdefghb\":1,\"abcdefgh\":2,\"abcdefgha\":3}", "{\"abcdefgh\":2,\"abcdefgha\":3,\"abcdefghb\":1}")]
    [InlineData("{\n  \"skill\": \"x\",\n  \"claim\": {\n    \"memberId\": \"M\",\n    \"amount\": 1.5\n  }\n}",
        "{\"claim\":{\"amount\":1.5,\"memberId\":\"M\"},\"skill\":\"x\"}")]
    public void Members_out_of_order_are_written_in_RFC_8785_order(string json, string canonical)
    {
        var recognizer = new CanonicalValueRecognizer();
        using var output = new ByteBuffer();
        var position = 0;
        Assert.True(recognizer.TryWrite(Encoding.UTF8.GetBytes(json), ref position, output, out var start));
        Assert.Equal(canonical, Encoding.UTF8.GetString(output.WrittenSpan[start..]));
        Assert.Equal(canonical, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(json))));
    }

    private static byte[]? Full(byte[] json)
    {
        try
        {
            return JsonCanonicalizer.Canonicalize(json);
        }
        catch (CanonicalJsonException)
        {
            return null;
        }
    }
}
