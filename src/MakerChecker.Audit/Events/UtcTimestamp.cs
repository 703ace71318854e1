namespace MakerChecker.Audit.Events;

/// <summary>
/// Writes a UTC time as <c>yyyy-MM-ddTHH:mm:ss</c>, a fraction of 3 or 7 digits (truncated, never rounded) and <c>Z</c>,
/// in ASCII: what the custom format patterns of <see cref="OccurredAt"/> and the gate's event times give, digit for
/// digit, without the general formatter's parsing of the pattern on every event.
/// </summary>
internal static class UtcTimestamp
{
    /// <summary>The length of the text for <paramref name="fractionDigits"/> digits of fraction.</summary>
    public static int Length(int fractionDigits) => 21 + fractionDigits;

    /// <summary>Writes <paramref name="utc"/> into <paramref name="into"/> (at least <see cref="Length"/> bytes); returns the length written.</summary>
    public static int Write(DateTime utc, int fractionDigits, Span<byte> into)
    {
        if (fractionDigits is not (3 or 7)) throw new ArgumentOutOfRangeException(nameof(fractionDigits), fractionDigits, "3 or 7 digits of fraction.");
        var length = Length(fractionDigits);
        if (into.Length < length) throw new ArgumentException($"A time needs {length} bytes.", nameof(into));
        var (year, month, day) = utc;
        Digits(year, 4, into);
        into[4] = (byte)'-';
        Digits(month, 2, into[5..]);
        into[7] = (byte)'-';
        Digits(day, 2, into[8..]);
        into[10] = (byte)'T';
        Digits(utc.Hour, 2, into[11..]);
        into[13] = (byte)':';
        Digits(utc.Minute, 2, into[14..]);
        into[16] = (byte)':';
        Digits(utc.Second, 2, into[17..]);
        into[19] = (byte)'.';
        var fraction = (int)(utc.Ticks % TimeSpan.TicksPerSecond);
        Digits(fractionDigits == 7 ? fraction : fraction / 10_000, fractionDigits, into[20..]);
        into[length - 1] = (byte)'Z';
        return length;
    }

    private static void Digits(int value, int count, Span<byte> into)
    {
        for (var i = count - 1; i >= 0; i--, value /= 10) into[i] = (byte)('0' + (value % 10));
    }
}
