using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// The recognizer's whitespace steps (the full one, whose usual runs, a line break and up to fifteen spaces, are found
/// with one inline 16-byte compare, and the short one used around colons): each stops exactly where JSON's whitespace
/// ends, for runs of every length and mix, starting anywhere relative to the end of the text (so across the edge where
/// sixteen bytes no longer fit), and what follows a run (a token, a control character, a non-ASCII byte, the end) never
/// changes that. Indented objects whose line breaks carry
/// such runs are written exactly as <see cref="JsonCanonicalizer"/> writes them.
/// </summary>
public sealed class WhitespaceRunTests
{
    /// <summary>Runs of indented text mostly (a line break, then spaces), and any mix of the four whitespace bytes.</summary>
    private static Gen<byte[]> Runs { get; } = Gen.Frequency(
        (3, Gen.Choose(0, 40).Select(n => (byte[])[(byte)'\n', .. Enumerable.Repeat((byte)' ', n)])),
        (2, Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Frequency(
            (8, Gen.Constant((byte)' ')), (3, Gen.Constant((byte)'\n')), (1, Gen.Constant((byte)'\t')), (1, Gen.Constant((byte)'\r'))), n))));

    /// <summary>
    /// What may follow a run: tokens, the bytes next to whitespace in value (a zero, control characters, the byte after a
    /// space), a non-ASCII character, or nothing.
    /// </summary>
    private static readonly byte[][] Ends = [[], [(byte)'"'], [(byte)'}'], [(byte)'a'], [0x00], [0x01], [0x08], [0x0B], [0x1F], [(byte)'!'], [0xC3, 0xA9]];

    private static Gen<(int Before, byte[] Run, byte[] End, int After)> Texts { get; } =
        from before in Gen.Choose(0, 20)
        from run in Runs
        from end in Gen.Elements(Ends)
        from after in Gen.Choose(0, 20)
        select (before, run, end, after);

    [Property(MaxTest = 10000)]
    public Property A_run_ends_at_the_first_byte_that_is_not_JSON_whitespace() =>
        Prop.ForAll(Arb.From(Texts), c =>
            {
                var (before, run, end, after) = c;
                byte[] text = [.. Enumerable.Repeat((byte)'x', before), .. run, .. end, .. (end.Length == 0 ? [] : Enumerable.Repeat((byte)'y', after))];
                var expected = before;
                while (expected < text.Length && text[expected] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                {
                    expected++;
                }

                var skipped = CanonicalValueRecognizer.SkipWhitespace(text, before);
                var shortStep = CanonicalValueRecognizer.SkipShortWhitespace(text, before);
                return (skipped == expected && shortStep == expected)
                    .Label($"run {Convert.ToHexString(run)} at {before} of {text.Length}: {skipped} and {shortStep}, expected {expected}")
                    .Classify(text.Length - before < 16, "within sixteen bytes of the end")
                    .Classify(run.Length is > 1 and < 16 && run[0] == '\n' && run.Skip(1).All(b => b == ' '), "a line break and spaces");
            });

    /// <summary>Members separated by a comma and a run of their own, as indented text is (and as it is not: tabs, carriage returns, long runs).</summary>
    [Property(MaxTest = 5000)]
    public Property Indented_objects_are_written_exactly_as_the_canonicalizer_writes_them() =>
        Prop.ForAll(Arb.From(Gen.ArrayOf(Runs, 6)), Arb.From(Gen.Choose(0, 20)), (runs, padding) =>
        {
            string Run(int i) => Encoding.ASCII.GetString(runs[i]);
            var json = Encoding.UTF8.GetBytes(
                $"{{{Run(0)}\"skill\":{Run(1)}\"x\",{Run(2)}\"claim\": {{{Run(3)}\"memberId\": \"M\",{Run(4)}\"amount\": 1.5{Run(5)}}}}}");
            byte[] text = [.. json, .. Enumerable.Repeat((byte)' ', padding), (byte)','];
            var recognizer = new CanonicalValueRecognizer();
            using var output = new ByteBuffer(16);
            var position = 0;
            var written = recognizer.TryWrite(text, ref position, output, out var start);
            var canonical = "{\"claim\":{\"amount\":1.5,\"memberId\":\"M\"},\"skill\":\"x\"}";
            return (written && Encoding.UTF8.GetString(output.WrittenSpan[start..]) == canonical &&
                    Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(json)) == canonical && position == json.Length)
                .Label($"{Encoding.UTF8.GetString(json)}: written {written} {Encoding.UTF8.GetString(output.WrittenSpan[start..])}");
        });
}
