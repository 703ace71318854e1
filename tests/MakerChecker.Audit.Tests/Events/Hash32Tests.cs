using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Tests.Events;

/// <summary>A hash is exactly 64 lowercase hex digits: the vectorized decoder accepts those and nothing else, and decodes them right.</summary>
public sealed class Hash32Tests
{
    // Every digit and letter of both cases, and the bytes on either side of each accepted range.
    private const string Alphabet = "0123456789abcdefABCDEF/:`g@G \"";

    private static Gen<string> Texts { get; } =
        from length in Gen.Frequency((8, Gen.Constant(64)), (1, Gen.Choose(60, 68)))
        from digits in Gen.ArrayOf(Gen.Elements("0123456789abcdef".ToCharArray()), length)
        from count in Gen.Choose(0, 2)
        from changes in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 67), Gen.Elements(Alphabet.ToCharArray())), count)
        select Change(new string(digits), changes);

    [Property(MaxTest = 5000)]
    public Property It_parses_exactly_what_a_lowercase_hex_check_and_a_hex_decoder_accept() =>
        Prop.ForAll(Arb.From(Texts), text =>
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            var expected = text.Length == 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')
                ? Convert.FromHexString(text)
                : null;
            var parsed = Hash32.TryParseHex(bytes, out var hash);
            return (parsed == expected is not null && (!parsed || ((ReadOnlySpan<byte>)hash).SequenceEqual(expected)))
                .Label($"{text}: parsed {parsed}, expected {(expected is null ? "refusal" : Convert.ToHexStringLower(expected))}");
        });

    [Theory]
    [InlineData("A")] // uppercase
    [InlineData("g")]
    [InlineData("/")] // just below '0'
    [InlineData(":")] // just above '9'
    [InlineData("`")] // just below 'a'
    public void One_wrong_digit_anywhere_is_refused(string wrong)
    {
        for (var at = 0; at < 64; at++)
        {
            var text = new string('0', at) + wrong + new string('f', 63 - at);
            Assert.False(Hash32.TryParseHex(Encoding.ASCII.GetBytes(text), out _), text);
        }
    }

    private static string Change(string text, (int At, char Character)[] changes)
    {
        var chars = text.ToCharArray();
        foreach (var (at, character) in changes)
        {
            if (at < chars.Length)
            {
                chars[at] = character;
            }
        }

        return new string(chars);
    }
}
