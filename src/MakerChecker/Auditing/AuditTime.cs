using System.Globalization;
using System.Text;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing;

/// <summary>Times in event payloads: UTC, ISO 8601 with seven fractional digits, so they replay exactly.</summary>
internal static class AuditTime
{
    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);

    /// <summary>Formats into <paramref name="destination"/> (28 characters) without allocating; returns the length written.</summary>
    public static int Format(DateTimeOffset time, Span<char> destination)
    {
        if (destination.Length < 28) throw new ArgumentException("A time needs 28 characters.", nameof(destination));
        Span<byte> ascii = stackalloc byte[28];
        var written = UtcTimestamp.Write(time.UtcDateTime, 7, ascii); // the same text as Pattern gives
        Ascii.ToUtf16(ascii[..written], destination, out _);
        return written;
    }

    public static DateTimeOffset Parse(string text) => Parse(text.AsSpan());

    public static DateTimeOffset Parse(ReadOnlySpan<char> text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
