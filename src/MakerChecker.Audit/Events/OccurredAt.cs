using System.Globalization;

namespace MakerChecker.Audit.Events;

/// <summary>The one text form of <c>occurredAt</c>: <c>YYYY-MM-DDTHH:MM:SS.mmmZ</c>, in UTC, hashed as stored.</summary>
internal static class OccurredAt
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Whether <paramref name="text"/> (the JSON string's raw bytes) has exactly that form and is a real instant.</summary>
    public static bool IsValid(ReadOnlySpan<byte> text)
    {
        const string Pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
        if (text.Length != Pattern.Length)
        {
            return false;
        }

        for (var i = 0; i < Pattern.Length; i++)
        {
            var ok = Pattern[i] == 'd' ? text[i] is >= (byte)'0' and <= (byte)'9' : text[i] == Pattern[i];
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
