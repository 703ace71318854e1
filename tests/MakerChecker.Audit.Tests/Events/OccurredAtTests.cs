using System.Text;
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
}
