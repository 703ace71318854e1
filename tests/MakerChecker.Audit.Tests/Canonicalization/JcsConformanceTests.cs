using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Canonicalization;

public class JcsConformanceTests
{
    public static TheoryData<string> Cases() =>
        [.. Directory.GetFiles(Path.Combine(Vectors.Root, "jcs", "input"), "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).Order()];

    [Fact]
    public void All_six_cyberphone_cases_are_present() => Assert.Equal(6, Cases().Count);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Input_canonicalizes_to_exactly_the_expected_output(string name)
    {
        var input = File.ReadAllBytes(Vectors.Jcs("input", name + ".json"));
        var expected = File.ReadAllBytes(Vectors.Jcs("output", name + ".json"));
        var expectedHex = File.ReadAllText(Vectors.Jcs("outhex", name + ".txt")).Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

        var actual = JsonCanonicalizer.Canonicalize(input);

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        Assert.Equal(expectedHex.Select(h => Convert.ToByte(h, 16)), actual);
    }

    [Theory]
    [InlineData("1e21", "1e+21")]
    [InlineData("1.2345678901234568e20", "123456789012345680000")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("0.0000001", "1e-7")]
    [InlineData("-0", "0")]
    [InlineData("-0.0", "0")]
    [InlineData("1.5e300", "1.5e+300")]
    [InlineData("5e-324", "5e-324")]
    [InlineData("9007199254740992", "9007199254740992")]
    [InlineData("-1.25", "-1.25")]
    [InlineData("100", "100")]
    public void Numbers_are_written_as_ECMAScript_writes_them(string input, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(input))));

    [Theory]
    [InlineData("\"\\ud800\"", AuditReasonCodes.IllFormedString)]
    [InlineData("\"\\udc00\\ud800\"", AuditReasonCodes.IllFormedString)]
    [InlineData("\"a\\ud83dz\"", AuditReasonCodes.IllFormedString)]
    [InlineData("{\"a\":1,\"a\":2}", AuditReasonCodes.DuplicateKey)]
    [InlineData("{\"a\":1,\"\\u0061\":2}", AuditReasonCodes.DuplicateKey)]
    [InlineData("{\"a\":1} x", AuditReasonCodes.TrailingData)]
    [InlineData("{\"a\":1}{}", AuditReasonCodes.TrailingData)]
    [InlineData("9007199254740993", AuditReasonCodes.AmbiguousNumber)]
    [InlineData("-9007199254740993", AuditReasonCodes.AmbiguousNumber)]
    [InlineData("12345678901234567890", AuditReasonCodes.AmbiguousNumber)]
    [InlineData("1.000000000000000000001", AuditReasonCodes.AmbiguousNumber)]
    [InlineData("1e400", AuditReasonCodes.AmbiguousNumber)]
    [InlineData("{\"a\":1,}", AuditReasonCodes.MalformedJson)]
    [InlineData("[1 2]", AuditReasonCodes.MalformedJson)]
    [InlineData("", AuditReasonCodes.MalformedJson)]
    public void Text_that_parsers_could_read_differently_is_refused_with_its_own_code(string json, string code)
    {
        var ex = Assert.Throws<CanonicalJsonException>(() => JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(code, ex.ReasonCode);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused()
    {
        byte[] json = [(byte)'"', 0xC3, 0x28, (byte)'"'];
        var ex = Assert.Throws<CanonicalJsonException>(() => JsonCanonicalizer.Canonicalize(json));
        Assert.Equal(AuditReasonCodes.InvalidUtf8, ex.ReasonCode);
    }

    [Fact]
    public void A_lone_surrogate_in_a_node_is_refused_as_ill_formed()
    {
        JsonNode[] nodes =
        [
            new JsonObject { ["note"] = "\ud800" },
            new JsonObject { ["\udc00"] = 1 },
            new JsonObject { ["a"] = new JsonArray("ok", "x\ud83d") },
            JsonNode.Parse("{\"a\":\"\\ud800\"}")!,
            JsonNode.Parse("{\"\\ud800\":1}")!,
            JsonNode.Parse("{\"a\":[{\"b\":{\"x\\udc00\":true}}]}")!,
        ];
        foreach (var node in nodes)
        {
            var ex = Assert.Throws<CanonicalJsonException>(() => JsonCanonicalizer.Canonicalize(node));
            Assert.Equal(AuditReasonCodes.IllFormedString, ex.ReasonCode);
        }
    }

    /// <summary>
    /// A key read from text that holds an escaped lone surrogate (a model's tool-call arguments may): System.Text.Json cannot
    /// even list the object's members. It is refused as a string value holding one is: the same code, in the same words.
    /// </summary>
    [Fact]
    public void A_parsed_key_holding_an_escaped_lone_surrogate_is_refused_as_a_string_value_holding_one_is()
    {
        var value = Assert.Throws<CanonicalJsonException>(() => JsonCanonicalizer.Canonicalize(JsonNode.Parse("{\"a\":\"\\ud800\"}")!));
        var key = Assert.Throws<CanonicalJsonException>(() => JsonCanonicalizer.Canonicalize(JsonNode.Parse("{\"\\ud800\":1}")!));

        Assert.Equal(AuditReasonCodes.IllFormedString, key.ReasonCode);
        Assert.StartsWith("ill-formed string: ", key.Message, StringComparison.Ordinal);
        Assert.Equal(value.Message, key.Message);
    }

    [Fact]
    public void Keys_sort_by_UTF16_code_units_not_by_code_points()
    {
        // U+FB33 sorts after U+1F602 in UTF-16 (0xFB33 > 0xD83D) though its code point is lower.
        var json = "{\"\uFB33\":1,\"\U0001F602\":2,\"a\":3}";
        var canonical = Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(json)));
        Assert.Equal("{\"a\":3,\"\U0001F602\":2,\"\uFB33\":1}", canonical);
    }
}
