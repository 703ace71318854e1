using System.Globalization;

namespace MakerChecker.Audit.Events;

/// <summary>The one text form of <c>occurredAt</c>: <c>YYYY-MM-DDTHH:MM:SS.mmmZ</c>, in UTC, hashed as stored.</summary>
internal static class OccurredAt
{
    private const string Pattern = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    /// <summary>The time as a canonical JSON string (quotes included), formatted straight into UTF-8.</summary>
    public static byte[] ToJsonString(DateTimeOffset time)
    {
        var json = new byte[UtcTimestamp.Length(3) + 2];
        json[0] = (byte)'"';
        var written = UtcTimestamp.Write(time.UtcDateTime, 3, json.AsSpan(1));
        json[written + 1] = (byte)'"';
        return json;
    }

    /// <summary>Whether <paramref name="text"/> (the JSON string's raw bytes) has exactly that form and is a real instant.</summary>
    public static bool IsValid(ReadOnlySpan<byte> text)
    {
        const string Shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        if (text.Length != Shape.Length)
        {
            return false;
        }

        for (var i = 0; i < Shape.Length; i++)
        {
            var ok = Shape[i] == 'd' ? text[i] is >= (byte)'0' and <= (byte)'9' : text[i] == Shape[i];
            if (!ok)
            {
                return false;
            }
        }

        // Range checks instead of a date parser: this runs once per event in verification.
        static int Number(ReadOnlySpan<byte> digits)
        {
            var n = 0;
            foreach (var d in digits)
            {
                n = (n * 10) + (d - '0');
            }

            return n;
        }

        var year = Number(text[..4]);
        var month = Number(text[5..7]);
        var day = Number(text[8..10]);
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) &&
               Number(text[11..13]) < 24 && Number(text[14..16]) < 60 && Number(text[17..19]) < 60;
    }
}
