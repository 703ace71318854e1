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

        Span<char> chars = stackalloc char[Pattern.Length];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return DateTime.TryParseExact(chars, "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _);
    }
}
