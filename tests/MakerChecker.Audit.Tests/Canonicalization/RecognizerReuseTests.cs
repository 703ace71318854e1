using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// The recognizer's two shortcuts against its general path and the full canonicalizer: the member orders it remembers
/// from one object to the next (one recognizer reads a whole log, whose shapes repeat), and the object written straight
/// into the caller's span (the row's hashed object) instead of after its nested values.
/// </summary>
public sealed class RecognizerReuseTests
{
    /// <summary>
    /// The shapes a log repeats: audit payloads and actors in <c>jsonb</c> order, as upstream exports them, in RFC 8785
    /// order, and objects whose keys share their first eight bytes or are not ASCII (which are never counted).
    /// </summary>
    private static readonly string[][] Shapes =
    [
        ["id", "kind", "role"],
        ["kind", "id"],
        ["amount", "currency", "memberId"],
        ["claim", "skill", "reason", "dwellMs", "decision", "reviewer", "requestId", "policyHash", "payloadDigest"],
        ["claim", "decision", "dwellMs", "payloadDigest", "policyHash", "reason", "requestId", "reviewer", "skill"],
        ["instanceId"],
        ["abcdefgh", "abcdefgha", "z"],
        ["é", "a", "b"],
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"],
    ];

    /// <summary>Keys a near miss puts in place of one of a shape's keys.</summary>
    private static readonly string[] OtherKeys = ["id", "ie", "kind", "amount", "claim", "a", "abcdefghb", "𝄞", "reason", "z"];

    private enum Change { None, SwapTwo, ReplaceOne, RepeatOne }

    /// <summary>
    /// One object of a shape, exactly (most often) or nearly: two members swapped, one key replaced by another (a near miss
    /// of a remembered order, or a duplicate), or one key repeated; values of every kind, nested objects among them.
    /// </summary>
    private static Gen<(string[] Keys, JsonText[] Values, bool Indented)> Objects { get; } =
        from shape in Gen.Elements(Shapes)
        from change in Gen.Frequency((6, Gen.Constant(Change.None)), (1, Gen.Constant(Change.SwapTwo)),
            (1, Gen.Constant(Change.ReplaceOne)), (1, Gen.Constant(Change.RepeatOne)))
        from i in Gen.Choose(0, shape.Length - 1)
        from j in Gen.Choose(0, shape.Length - 1)
        from other in Gen.Elements(OtherKeys)
        from values in Gen.ArrayOf(Gen.Frequency((3, JsonTexts.UsualShapes), (1, JsonTexts.Any)), shape.Length + 1)
        from indented in Gen.Elements(false, true)
        select (Vary(shape, change, i, j, other), values, indented);

    private static string[] Vary(string[] shape, Change change, int i, int j, string other)
    {
        var keys = shape.ToArray();
        switch (change)
        {
            case Change.SwapTwo:
                (keys[i], keys[j]) = (keys[j], keys[i]);
                return keys;
            case Change.ReplaceOne:
                keys[i] = other;
                return keys;
            case Change.RepeatOne:
                return [.. keys, keys[i]];
            default:
                return keys;
        }
    }

    [Property(MaxTest = 2000)]
    public Property One_recognizer_writes_a_sequence_of_objects_as_the_canonicalizer_does() =>
        Prop.ForAll(Arb.From(from n in Gen.Choose(1, 40) from objects in Gen.ArrayOf(Objects, n) select objects), sequence =>
        {
            // One recognizer for the whole sequence, as one verifier thread reads a whole log; a fresh one for each object
            // as the reference (it remembers nothing).
            var reused = new CanonicalValueRecognizer();
            foreach (var (keys, values, indented) in sequence)
            {
                var json = Render(keys, values, indented);
                var expected = Write(new CanonicalValueRecognizer(), json);
                var actual = Write(reused, json);
                var full = Full(json);
                var duplicate = keys.Distinct().Count() < keys.Length;
                if (actual != expected || (actual is not null && (duplicate || full is null || actual != Encoding.UTF8.GetString(full))))
                {
                    return false.Label($"{Encoding.UTF8.GetString(json)}\nreused: {actual}\nfresh: {expected}");
                }
            }

            return true.Label("all agree");
        });

    [Property(MaxTest = 10000)]
    public Property An_object_written_into_a_span_is_what_the_general_path_writes() =>
        Prop.ForAll(Arb.From(Gen.Frequency((2, Objects.Select(o => Render(o.Keys, o.Values, o.Indented))),
            (1, JsonTexts.Any.Select(v => v.Bytes)))), Arb.From(Gen.Choose(0, 40)), (json, padding) =>
        {
            byte[] text = [.. json, .. Enumerable.Repeat((byte)' ', padding), (byte)','];
            var general = Write(new CanonicalValueRecognizer(), text);
            using var nested = new ByteBuffer(16);
            nested.Write("earlier"u8);
            var destination = new byte[text.Length + 64];
            var position = 0;
            var written = new CanonicalValueRecognizer().TryWriteObjectInto(text, ref position, nested, destination, out var length);
            var into = written ? Encoding.UTF8.GetString(destination, 0, length) : null;
            var isObject = json.Length > 0 && json[0] == '{';
            var ok = into == (isObject ? general : null) && (!written || position == json.Length) &&
                     nested.WrittenSpan.SequenceEqual("earlier"u8);
            return ok.Label($"{Encoding.UTF8.GetString(text)}\ninto: {into}\ngeneral: {general}").Classify(written, "written");
        });

    [Fact]
    public void A_remembered_order_is_not_taken_for_the_same_keys_in_another_order_or_with_a_middle_key_changed()
    {
        var recognizer = new CanonicalValueRecognizer();
        string[] texts =
        [
            "{\"claim\":1,\"skill\":2,\"reason\":3,\"dwellMs\":4}", "{\"claim\":1,\"reason\":3,\"skill\":2,\"dwellMs\":4}",
            "{\"claim\":1,\"skill\":2,\"reasom\":3,\"dwellMs\":4}", "{\"claim\":1,\"skill\":2,\"claim\":3,\"dwellMs\":4}",
            "{\"claim\":1,\"skill\":2,\"reason\":3,\"dwellMs\":4}",
        ];
        foreach (var text in texts)
        {
            var json = Encoding.UTF8.GetBytes(text);
            var full = Full(json);
            Assert.Equal(text.Contains("\"claim\":3", StringComparison.Ordinal) ? null : Encoding.UTF8.GetString(full!), Write(recognizer, json));
        }
    }

    private static byte[] Render(string[] keys, JsonText[] values, bool indented)
    {
        var separator = indented ? ",\n    " : ",";
        var members = keys.Select((k, i) => $"\"{k}\":{(indented ? " " : "")}{Encoding.UTF8.GetString(values[i % values.Length].Bytes)}");
        return Encoding.UTF8.GetBytes((indented ? "{\n    " : "{") + string.Join(separator, members) + (indented ? "\n  }" : "}"));
    }

    /// <summary>The recognizer's general path: the canonical text it writes, or null when it declines.</summary>
    private static string? Write(CanonicalValueRecognizer recognizer, byte[] json)
    {
        using var output = new ByteBuffer(16);
        var position = 0;
        return recognizer.TryWrite(json, ref position, output, out var start) ? Encoding.UTF8.GetString(output.WrittenSpan[start..]) : null;
    }

    private static byte[]? Full(byte[] json) => CanonicalValueRecognizerTests.Full(json);
}
