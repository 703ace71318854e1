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
                .Classify(!written, "declined").Classify(!Utf8.IsValid(text), "invalid UTF-8");
        });

    /// <summary>Keys for objects of many members: ASCII ones that differ early, share their first eight bytes, or end early; and non-ASCII ones.</summary>
    private static readonly string[] ManyKeys =
    [
        "id", "kind", "role", "claim", "skill", "reason", "dwellMs", "decision", "reviewer", "requestId", "policyHash",
        "payloadDigest", "a", "ab", "abcdefgh", "abcdefgha", "abcdefghb", "é", "\uE000", "𝄞", "Z", "_", "0",
    ];

    /// <summary>
    /// An object of up to 20 members with keys drawn from <see cref="ManyKeys"/> (distinct, or with one key repeated),
    /// in the order given: so the same key sets come in every order, as PostgreSQL's <c>jsonb</c> order and others.
    /// </summary>
    private static Gen<(string[] Keys, bool Indented)> ManyMemberObjects { get; } =
        from count in Gen.Choose(2, 20)
        from keys in Gen.Shuffle(ManyKeys).Select(k => k.Take(count).ToArray())
        from repeat in Gen.Frequency((4, Gen.Constant(-1)), (1, Gen.Choose(0, count - 1)))
        from indented in Gen.Elements(false, true)
        select (repeat < 0 ? keys : [.. keys, keys[repeat]], indented);

    [Property(MaxTest = 10000)]
    public Property Members_in_any_order_are_written_in_RFC_8785_order_and_duplicates_declined() =>
        Prop.ForAll(Arb.From(ManyMemberObjects), c =>
        {
            var separator = c.Indented ? ",\n    " : ",";
            var json = Encoding.UTF8.GetBytes("{" + string.Join(separator, c.Keys.Select((k, i) => $"\"{k}\":{i}")) + "}");
            var full = Full(json);
            var recognizer = new CanonicalValueRecognizer();
            using var output = new ByteBuffer();
            var position = 0;
            var written = recognizer.TryWrite(json, ref position, output, out var start);
            var duplicate = c.Keys.Distinct().Count() < c.Keys.Length;
            var ok = duplicate ? !written : written && full is not null && output.WrittenSpan[start..].SequenceEqual(full);
            return ok.Label($"{Encoding.UTF8.GetString(json)}: written {written} {Encoding.UTF8.GetString(output.WrittenSpan[start..])}")
                .Classify(duplicate, "a duplicate key");
        });

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(CanonicalValueRecognizer.MaxDepth)]
    public void Values_nested_as_deep_as_allowed_are_written_even_with_nothing_after_them(int depth)
    {
        // Nested values are written before the values that hold them, so a deep value needs more room than twice its
        // text: the recognizer reads it again with more room rather than declining what it accepted before.
        foreach (var (open, close) in new[] { ("[", "]"), ("{\"b\":0,\"a\":", "}") })
        {
            var text = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
            var json = Encoding.UTF8.GetBytes(text);
            var recognizer = new CanonicalValueRecognizer();
            using var output = new ByteBuffer(16);
            var position = 0;
            Assert.True(recognizer.TryWrite(json, ref position, output, out var start), text);
            Assert.Equal(json.Length, position);
            Assert.Equal(Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(json)), Encoding.UTF8.GetString(output.WrittenSpan[start..]));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_object_of_more_members_than_are_sorted_is_written_when_in_order_and_declined_otherwise(bool inOrder)
    {
        var keys = Enumerable.Range(0, 300).Select(i => $"k{i:D4}").ToList();
        if (!inOrder)
        {
            (keys[10], keys[11]) = (keys[11], keys[10]);
        }

        var json = Encoding.UTF8.GetBytes("{\n  " + string.Join(",\n  ", keys.Select(k => $"\"{k}\": 1")) + "\n}");
        var position = 0;
        using var output = new ByteBuffer();
        var written = new CanonicalValueRecognizer().TryWrite(json, ref position, output, out var start);
        Assert.Equal(inOrder, written);
        if (written)
        {
            Assert.Equal(JsonCanonicalizer.Canonicalize(json), output.WrittenSpan[start..].ToArray());
        }
    }

    [Fact]
    public void A_value_nested_deeper_than_allowed_is_declined()
    {
        var json = Encoding.UTF8.GetBytes(new string('[', CanonicalValueRecognizer.MaxDepth + 1) + new string(']', CanonicalValueRecognizer.MaxDepth + 1));
        var position = 0;
        using var output = new ByteBuffer();
        Assert.False(new CanonicalValueRecognizer().TryWrite(json, ref position, output, out _));
    }

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

    /// <summary>The full canonicalizer's form, or null when it refuses the value.</summary>
    internal static byte[]? Full(byte[] json)
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
