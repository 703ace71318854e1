using System.Globalization;
using System.Text.Json;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Decides whether the bytes after a JSON Lines log's last line break are provably an incomplete append of that log,
/// which is the only thing recovery may drop (docs/stores.md, "Recovery").
/// </summary>
/// <remarks>
/// The writer appends whole rows, each followed by a line break, and acknowledges them only once flushed; a crash can
/// leave a prefix of the bytes of one write: whole rows (which are kept, and must verify like any other) and then part
/// of one row. That part is what this recognises: it starts as every row starts (<c>{"seq":"</c> and the next seq),
/// it is shorter than any row can be, it contains no byte a row never contains (a control character), it is a valid
/// prefix of one JSON object, and nothing follows that object if it is complete. Anything else is not ours to drop.
/// </remarks>
internal static class TornRow
{
    private static ReadOnlySpan<byte> RowStart => "{\"seq\":\""u8;

    /// <summary>
    /// Returns <see langword="null"/> when <paramref name="tail"/> is an incomplete append of the row with seq
    /// <paramref name="expectedSeq"/> (not checked when <see langword="null"/>); otherwise what is wrong, starting
    /// with the offset in the file (<c>byte N: …</c>).
    /// </summary>
    /// <param name="tail">The bytes after the last line break (none of them is a line break).</param>
    /// <param name="offset">The file offset of the first of them.</param>
    /// <param name="expectedSeq">The seq the next row of the log would have.</param>
    public static string? WhyNotTorn(ReadOnlySpan<byte> tail, long offset, long? expectedSeq)
    {
        var start = tail[..Math.Min(tail.Length, RowStart.Length)];
        var mismatch = start.CommonPrefixLength(RowStart);
        if (mismatch < start.Length)
        {
            return $"byte {offset + mismatch}: {Show(tail[mismatch])} where an event row must start (rows start with {{\"seq\":\")";
        }

        if (tail.Length <= RowStart.Length)
        {
            return null;
        }

        var control = tail.IndexOfAnyInRange((byte)0, (byte)0x1F);
        if (control >= 0)
        {
            return $"byte {offset + control}: {Show(tail[control])}, a control character, which no event row contains";
        }

        if (tail.Length >= StoredEvent.MaxRowBytes)
        {
            return $"byte {offset}: {tail.Length} bytes without a line break, longer than any event row can be ({StoredEvent.MaxRowBytes} bytes)";
        }

        var digits = tail[RowStart.Length..];
        var quote = digits.IndexOf((byte)'"');
        var seqText = quote >= 0 ? digits[..quote] : digits;
        if (expectedSeq is { } seq && !(quote >= 0 ? seqText.SequenceEqual(Encoding(seq)) : Encoding(seq).AsSpan().StartsWith(seqText)))
        {
            return $"byte {offset}: a row with seq \"{System.Text.Encoding.UTF8.GetString(seqText)}\" where the next row of this log is seq {seq}";
        }

        return WhyNotJsonPrefix(tail, offset);
    }

    /// <summary>Whether the bytes are the beginning of one JSON object with nothing after it.</summary>
    private static string? WhyNotJsonPrefix(ReadOnlySpan<byte> tail, long offset)
    {
        var reader = new Utf8JsonReader(tail, isFinalBlock: false, default);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    // A whole row whose line break was not written is still incomplete; anything after it is not.
                    var rest = tail[(int)reader.BytesConsumed..];
                    return rest.IsEmpty ? null
                        : $"byte {offset + reader.BytesConsumed}: {Show(rest[0])} after a complete event row, where its line break must be";
                }
            }

            return null;
        }
        catch (JsonException ex)
        {
            var what = ex.Message.Split(" LineNumber:", 2)[0];
            return $"byte {offset + (ex.BytePositionInLine ?? reader.BytesConsumed)}: not the beginning of an event row ({what})";
        }
    }

    private static byte[] Encoding(long seq) => System.Text.Encoding.ASCII.GetBytes(seq.ToString(CultureInfo.InvariantCulture));

    /// <summary>A byte as a reader can recognise it: printable ASCII quoted, anything else in hex.</summary>
    public static string Show(byte b) => b is >= 0x20 and < 0x7F ? $"'{(char)b}'" : $"0x{b:X2}";
}
