using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Tests.Events;

public class OccurredAtTests
{
    [Fact]
    public void Times_are_formatted_in_UTC_with_milliseconds() =>
        Assert.Equal("2026-06-12T07:30:00.123Z",
            OccurredAt.Format(new DateTimeOffset(2026, 6, 12, 9, 30, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567)));

    [Theory]
    [InlineData("2026-06-12T09:30:00.000Z", true)]
    [InlineData("2024-02-29T23:59:59.999Z", true)]
    [InlineData("2026-02-29T00:00:00.000Z", false)]
    [InlineData("2026-13-01T00:00:00.000Z", false)]
    [InlineData("2026-06-12T24:00:00.000Z", false)]
    [InlineData("2026-06-12T09:60:00.000Z", false)]
    [InlineData("2026-06-12T09:30:00Z", false)]
    [InlineData("2026-06-12T09:30:00.000+00:00", false)]
    [InlineData("2026-06-12 09:30:00.000Z", false)]
    [InlineData("0000-01-01T00:00:00.000Z", false)]
    public void Only_the_exact_form_of_a_real_instant_is_valid(string text, bool valid) =>
        Assert.Equal(valid, OccurredAt.IsValid(Encoding.ASCII.GetBytes(text)));

    // Every byte of the form, the bytes on either side of the digits ('/' and ':'), letters of the other case, a space.
    private const string Alphabet = "0123456789-T:.Z/tz +";

    /// <summary>Timestamps with every field in and just out of range, then up to two bytes changed, or one cut or added.</summary>
    private static Gen<string> Texts { get; } =
        from year in Gen.Choose(0, 9999)
        from month in Gen.Choose(0, 13)
        from day in Gen.Choose(0, 32)
        from hour in Gen.Choose(0, 25)
        from minute in Gen.Choose(0, 61)
        from second in Gen.Choose(0, 61)
        from millisecond in Gen.Choose(0, 999)
        from count in Gen.Choose(0, 2)
        from changes in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 23), Gen.Elements(Alphabet.ToCharArray())), count)
        from length in Gen.Frequency((9, Gen.Constant(24)), (1, Gen.Choose(22, 26)))
        select Change($"{year:D4}-{month:D2}-{day:D2}T{hour:D2}:{minute:D2}:{second:D2}.{millisecond:D3}Z", changes, length);

    [Property(MaxTest = 10000)]
    public Property It_accepts_exactly_the_form_of_a_real_instant() =>
        Prop.ForAll(Arb.From(Texts), text =>
        {
            var expected = Regex.IsMatch(text, @"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$") &&
                           DateTime.TryParseExact(text, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
            var valid = OccurredAt.IsValid(Encoding.ASCII.GetBytes(text));
            return (valid == expected).Label($"{text}: {valid}, expected {expected}").Classify(expected, "valid");
        });

    private static string Change(string text, (int At, char Character)[] changes, int length)
    {
        var chars = text.ToCharArray();
        foreach (var (at, character) in changes)
        {
            chars[at] = character;
        }

        var changed = new string(chars);
        return length <= changed.Length ? changed[..length] : changed + new string('0', length - changed.Length);
    }
}
