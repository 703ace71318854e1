using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        // The shape: an ASCII digit where it has 'd', its own byte everywhere else. Checked sixteen bytes at a time
        // (bytes 0-15, then 8-23) rather than byte by byte: this runs once per event in verification.
        ReadOnlySpan<byte> shape = "dddd-dd-ddTdd:dd:dd.dddZ"u8;
        if (text.Length != shape.Length ||
            !HasShape(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(text)), Vector128.Create(shape)) || // in bounds: 24 bytes
            !HasShape(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(text), 8), Vector128.Create(shape[8..])))
        {
            return false;
        }

        // Range checks instead of a date parser.
        [MethodImpl(MethodImplOptions.AggressiveInlining)] // six a row: the AOT compiler left it a call
        static int Two(ReadOnlySpan<byte> text, int at) => ((text[at] - '0') * 10) + (text[at + 1] - '0');

        var year = (Two(text, 0) * 100) + Two(text, 2);
        var month = Two(text, 5);
        var day = Two(text, 8);
        return year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) &&
               Two(text, 11) < 24 && Two(text, 14) < 60 && Two(text, 17) < 60;
    }

    /// <summary>Whether each byte of <paramref name="text"/> is a digit where <paramref name="shape"/> has 'd', and the shape's byte elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // twice a row: the AOT compiler left it a call
    private static bool HasShape(Vector128<byte> text, Vector128<byte> shape)
    {
        var digitPlace = Vector128.Equals(shape, Vector128.Create((byte)'d'));
        var digit = Vector128.LessThan(text - Vector128.Create((byte)'0'), Vector128.Create((byte)10));
        return Vector128.ConditionalSelect(digitPlace, digit, Vector128.Equals(text, shape)) == Vector128<byte>.AllBitsSet;
    }
}
