using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// A <see cref="JsonNode"/> is written straight into canonical form (<see cref="JsonCanonicalizer.TryWriteDirect"/>):
/// these hold it to the reference, the node serialized as JSON text and that text canonicalized
/// (<see cref="JsonCanonicalizer.WriteThroughJsonText"/>), byte for byte and refusal for refusal, on objects built in
/// code and read from text, with keys UTF-8 and UTF-16 order disagree on, escapes, lone surrogates and numbers of every kind.
/// </summary>
public sealed class JsonNodeCanonicalizationProperties
{
    private static readonly string[] Pieces =
    [
        "a", "b", "Z", "0", " ", "é", "ß", "日本", "€", "\"", "\\", "/", "<", "&", "'", "\u0000", "\u0001", "\b", "\t", "\n", "\f", "\r",
        "\u001f", "\u007f", "\u0080", "\u00a0", "\u2028", "\u200b", "\ufeff", "\ufffd", "\ud834\udd1e", "\ud83d\ude00", "\udbff\udfff",
        "\ue000", "\uefff", "\uf8ff", "\uffff",
    ];

    private static readonly Gen<string> Piece = Gen.Frequency((300, Gen.Elements(Pieces)), (1, Gen.Elements("\ud800", "\udc00", "x\udbff")));

    private static readonly Gen<string> Text = Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Piece, n)).Select(string.Concat);

    private static readonly Gen<int> Int32s = Gen.Frequency(
        (6, Gen.Choose(-1_000_000, 1_000_000)), (1, Gen.Elements(int.MinValue, int.MaxValue, 0, -1)));

    private static readonly Gen<long> Int64s = Gen.Frequency(
        (3, from high in Gen.Choose(int.MinValue, int.MaxValue) from low in Gen.Choose(int.MinValue, int.MaxValue)
            from shift in Gen.Choose(0, 32) select ((long)high << shift) ^ (uint)low),
        (2, Gen.Elements(0L, -1L, 999_999_999_999_999L, 1_000_000_000_000_000L, 9_007_199_254_740_992L, 9_007_199_254_740_993L,
            -9_007_199_254_740_993L, long.MinValue, long.MaxValue)));

    private static readonly Gen<double> Doubles = Gen.Frequency(
        (3, from mantissa in Gen.Choose(-999_999, 999_999) from exponent in Gen.Choose(-30, 30) select mantissa * Math.Pow(10, exponent)),
        (3, from high in Gen.Choose(int.MinValue, int.MaxValue) from low in Gen.Choose(int.MinValue, int.MaxValue)
            select BitConverter.Int64BitsToDouble(((long)high << 32) | (uint)low)),
        (1, Gen.Elements(0d, -0d, 1e21, 1e-7, 123e-20, 5e-324, double.MaxValue, 9_007_199_254_740_993d, 9_007_199_254_740_991d,
            -9_007_199_254_740_991d, 1e15, 999_999_999_999_999d, 4_503_599_627_370_496.5, 1e16, 58_383_500_000_000_000d, double.NaN,
            double.PositiveInfinity, double.NegativeInfinity)));

    private static readonly Gen<decimal> Decimals =
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        from mid in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from hi in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(int.MinValue, int.MaxValue)))
        from negative in Gen.Elements(true, false)
        from scale in Gen.Choose(0, 28)
        select new decimal(lo, mid, hi, negative, (byte)scale);

    /// <summary>Numbers as JSON text may spell them, for values read from text.</summary>
    private static readonly Gen<string> NumberTexts = Gen.OneOf(
        Gen.Elements("0", "-0", "1", "-1", "1.50", "1e5", "1E+2", "-1.0e-7", "0.000001", "100e-2", "123456789012345", "1234567890123456",
            "9007199254740992", "9007199254740993", "12345678901234567890", "0.1234567890123456789", "1e400", "-1e-400", "5e-324",
            "1.7976931348623157e308", "0.30000000000000004"),
        Int64s.Select(n => n.ToString(CultureInfo.InvariantCulture)),
        Doubles.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture)));

    [Property(MaxTest = 10_000)]
    public Property A_node_is_written_as_its_JSON_text_canonicalizes() => Prop.ForAll(Arb.From(Objects), node =>
    {
        var (agrees, label) = Compare(node);
        return agrees.Label(label);
    });

    /// <summary>
    /// Keys read from text that hold an escaped lone surrogate (the generator makes them too, rarely): System.Text.Json cannot
    /// list such an object's members, and every path refuses it as <c>ill_formed_string</c>, in the reference's words.
    /// </summary>
    [Theory]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""{"a":1,"b\udc00c":"x"}""")]
    [InlineData("""{"a":{"\udbff":[]}}""")]
    [InlineData("""{"a":[{"ok":true},{"\ud83d":null}]}""")]
    public void A_parsed_key_holding_an_escaped_lone_surrogate_is_refused_by_every_path(string text)
    {
        var (agrees, label) = Compare(JsonNode.Parse(text)!.AsObject());
        Assert.True(agrees, label);
        Assert.Contains("refused ill_formed_string: ill-formed string: ", label, StringComparison.Ordinal);
    }

    /// <summary>The direct path and the reference on one node: whether they agree, and what each did.</summary>
    private static (bool Agrees, string Label) Compare(JsonObject node)
    {
        var reference = Outcome(w => JsonCanonicalizer.WriteThroughJsonText(node, w));
        var written = Outcome(w => JsonCanonicalizer.Write(node, w));
        var direct = Outcome(w => { if (!JsonCanonicalizer.TryWriteDirect(node, w, 0)) w.Output.Write("declined"u8); });

        // The direct path itself writes what the reference writes (every value generated is one it knows), and refuses or
        // declines (NaN, the infinities) what the reference refuses: which fault, in what words, the reference then says.
        var directAgrees = reference.StartsWith("bytes", StringComparison.Ordinal)
            ? direct == reference
            : !direct.StartsWith("bytes", StringComparison.Ordinal) || direct.EndsWith(Convert.ToHexString("declined"u8), StringComparison.Ordinal);
        return (written == reference && directAgrees, $"{Show(node)}\nreference: {reference}\nwritten:   {written}\ndirect:    {direct}");
    }

    [Fact]
    public void A_value_the_direct_path_does_not_know_is_written_by_the_reference()
    {
        var node = new JsonObject { ["f"] = 0.1f, ["c"] = 'x', ["u"] = 7u, ["g"] = Guid.Empty, ["n"] = 1 };
        var writer = CanonicalJsonWriter.Rent();
        try
        {
            Assert.False(JsonCanonicalizer.TryWriteDirect(node, writer, 0));
        }
        finally
        {
            CanonicalJsonWriter.Return(writer);
        }

        Assert.Equal("""{"c":"x","f":0.1,"g":"00000000-0000-0000-0000-000000000000","n":1,"u":7}""",
            Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(node)));
    }

    private static Gen<JsonObject> Objects => Gen.OneOf(
        BuiltObject(3),
        ParsedObject(3).Select(text => JsonNode.Parse(text)!.AsObject()));

    private static Gen<JsonObject> BuiltObject(int depth) =>
        from members in Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(Gen.Zip(Text, Built(depth - 1)), n))
        select Object(members);

    private static JsonObject Object((string Key, Func<JsonNode?> Value)[] members)
    {
        var o = new JsonObject();
        foreach (var (key, value) in members) o[key] = value();
        return o;
    }

    /// <summary>A value built in code (a factory: a node can have one parent only), now and then one read from text.</summary>
    private static Gen<Func<JsonNode?>> Built(int depth)
    {
        var scalars = Gen.Frequency(
            (4, Text.Select(s => (Func<JsonNode?>)(() => s))),
            (1, Gen.Elements(true, false).Select(b => (Func<JsonNode?>)(() => b))),
            (1, Gen.Constant((Func<JsonNode?>)(() => null))),
            (2, Int32s.Select(n => (Func<JsonNode?>)(() => n))),
            (2, Int64s.Select(n => (Func<JsonNode?>)(() => n))),
            (3, Doubles.Select(d => (Func<JsonNode?>)(() => d))),
            (2, Decimals.Select(d => (Func<JsonNode?>)(() => d))),
            (1, ParsedValue(0).Select(text => (Func<JsonNode?>)(() => JsonNode.Parse(text)))));
        return depth <= 0 ? scalars : Gen.Frequency(
            (6, scalars),
            (1, BuiltObject(depth).Select(o => (Func<JsonNode?>)(() => o.DeepClone()))),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Built(depth - 1), n))
                .Select(items => (Func<JsonNode?>)(() => new JsonArray([.. items.Select(item => item())])))),
            (1, ParsedValue(depth).Select(text => (Func<JsonNode?>)(() => JsonNode.Parse(text)))));
    }

    private static Gen<string> ParsedObject(int depth) =>
        from members in Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(Gen.Zip(Text, ParsedValue(depth - 1)), n))
        from spellings in Gen.ArrayOf(Gen.Choose(0, 2), members.Length)
        select "{" + string.Join(",", members.DistinctBy(m => m.Item1).Select((m, i) => Spell(m.Item1, spellings[i]) + ":" + m.Item2)) + "}";

    /// <summary>JSON text for a value read by <see cref="JsonNode.Parse(string, JsonNodeOptions?, System.Text.Json.JsonDocumentOptions)"/>.</summary>
    private static Gen<string> ParsedValue(int depth)
    {
        var scalars = Gen.Frequency(
            (4, from s in Text from spelling in Gen.Choose(0, 2) select Spell(s, spelling)),
            (1, Gen.Elements("true", "false", "null")),
            (4, NumberTexts));
        return depth <= 0 ? scalars : Gen.Frequency(
            (6, scalars),
            (1, ParsedObject(depth)),
            (1, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(ParsedValue(depth - 1), n)).Select(items => "[" + string.Join(",", items) + "]")));
    }

    /// <summary>A string as JSON text: escaping only what must be (0), every code unit as <c>\uXXXX</c> (1), or short escapes and <c>\/</c> (2).</summary>
    private static string Spell(string value, int spelling)
    {
        var text = new StringBuilder("\"");
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var lone = (char.IsHighSurrogate(c) && (i + 1 == value.Length || !char.IsLowSurrogate(value[i + 1])))
                || (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1])));
            _ = (spelling, c) switch
            {
                (1, _) => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                (2, '"' or '\\' or '/' or '\b' or '\f' or '\n' or '\r' or '\t') => text.Append('\\').Append(c switch
                {
                    '\b' => 'b', '\f' => 'f', '\n' => 'n', '\r' => 'r', '\t' => 't', _ => c,
                }),
                (_, '"' or '\\') => text.Append('\\').Append(c),
                (_, < ' ') => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ when lone => text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    private static string Show(JsonNode node)
    {
        try
        {
            return node.ToJsonString();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return $"(not writable as JSON text: {ex.Message})";
        }
    }

    private static string Outcome(Action<CanonicalJsonWriter> write)
    {
        var writer = CanonicalJsonWriter.Rent();
        try
        {
            write(writer);
            return "bytes " + Convert.ToHexString(writer.Output.WrittenSpan);
        }
        catch (CanonicalJsonException ex)
        {
            // Every refusal, a key read from text holding an escaped lone surrogate too (System.Text.Json cannot list the
            // object's members), is this exception: no other escapes.
            return $"refused {ex.ReasonCode}: {ex.Message}";
        }
        finally
        {
            CanonicalJsonWriter.Return(writer);
        }
    }
}
