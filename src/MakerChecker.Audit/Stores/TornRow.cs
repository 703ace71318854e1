using System.Globalization;
using System.Text;
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
        if (WhyNotTornLine(tail, offset, RowStart, StoredEvent.MaxRowBytes, "an event row") is { } notTorn)
        {
            return notTorn;
        }

        if (tail.Length <= RowStart.Length || expectedSeq is not { } seq)
        {
            return null;
        }

        var digits = tail[RowStart.Length..];
        var quote = digits.IndexOf((byte)'"');
        var seqText = quote >= 0 ? digits[..quote] : digits;
        var expected = Encoding.ASCII.GetBytes(seq.ToString(CultureInfo.InvariantCulture));
        return (quote >= 0 ? seqText.SequenceEqual(expected) : expected.AsSpan().StartsWith(seqText)) ? null
            : $"byte {offset}: a row with seq \"{Encoding.UTF8.GetString(seqText)}\" where the next row of this log is seq {seq}";
    }

    /// <summary>
    /// The rule for any JSON Lines file whose writer appends whole one-line JSON objects that all start with
    /// <paramref name="start"/> and are shorter than <paramref name="maxLength"/>: <see langword="null"/> when
    /// <paramref name="tail"/> is an incomplete append of one, otherwise what is wrong (<c>byte N: …</c>).
    /// </summary>
    /// <param name="tail">The bytes after the last line break (none of them is a line break).</param>
    /// <param name="offset">The file offset of the first of them.</param>
    /// <param name="start">How every line of the file starts.</param>
    /// <param name="maxLength">More bytes than any line can have.</param>
    /// <param name="what">What a line is, for messages ("an event row").</param>
    public static string? WhyNotTornLine(ReadOnlySpan<byte> tail, long offset, ReadOnlySpan<byte> start, int maxLength, string what)
    {
        var head = tail[..Math.Min(tail.Length, start.Length)];
        var mismatch = head.CommonPrefixLength(start);
        if (mismatch < head.Length)
        {
            return $"byte {offset + mismatch}: {Show(tail[mismatch])} where {what} must start (with {Encoding.UTF8.GetString(start)})";
        }

        var control = tail.IndexOfAnyInRange((byte)0, (byte)0x1F);
        if (control >= 0)
        {
            return $"byte {offset + control}: {Show(tail[control])}, a control character, which no {what[(what.IndexOf(' ') + 1)..]} contains";
        }

        if (tail.Length >= maxLength)
        {
            return $"byte {offset}: {tail.Length} bytes without a line break, longer than {what} can be ({maxLength} bytes)";
        }

        return WhyNotJsonPrefix(tail, offset, what);
    }

    /// <summary>Whether the bytes are the beginning of one JSON object with nothing after it.</summary>
    private static string? WhyNotJsonPrefix(ReadOnlySpan<byte> tail, long offset, string what)
    {
        // Deeper than any row the writers produce (a payload nests at most 64 levels), so depth never refuses a torn row.
        var reader = new Utf8JsonReader(tail, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 256 }));
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    // A whole row whose line break was not written is still incomplete; anything after it is not.
                    var rest = tail[(int)reader.BytesConsumed..];
                    return rest.IsEmpty ? null
                        : $"byte {offset + reader.BytesConsumed}: {Show(rest[0])} after {what} that is complete, where its line break must be";
                }
            }

            return null;
        }
        catch (JsonException ex)
        {
            var problem = ex.Message.Split(" LineNumber:", 2)[0];
            return $"byte {offset + (ex.BytePositionInLine ?? reader.BytesConsumed)}: not the beginning of {what} ({problem})";
        }
    }

    /// <summary>A byte as a reader can recognise it: printable ASCII quoted, anything else in hex.</summary>
    public static string Show(byte b) => b is >= 0x20 and < 0x7F ? $"'{(char)b}'" : $"0x{b:X2}";
}
