using System.Buffers;
using System.Runtime.CompilerServices;

namespace MakerChecker.Audit.Stores;

/// <summary>One line of a JSON Lines file and the file offset just after its line break.</summary>
internal readonly record struct JsonLine(ReadOnlyMemory<byte> Bytes, long EndOffset);

/// <summary>What follows the last line break of a JSON Lines file, once <see cref="JsonLines.ReadAsync"/> has ended.</summary>
internal sealed class JsonLinesTail
{
    /// <summary>The file offset just after the last line break (0 when there is none).</summary>
    public long Offset { get; set; }

    /// <summary>The bytes after it; empty when the file ends with a line break.</summary>
    public byte[] Bytes { get; set; } = [];
}

/// <summary>Reads a JSON Lines file line by line with a bounded buffer.</summary>
internal static class JsonLines
{
    private const int MaxLineLength = 16 * 1024 * 1024;

    /// <summary>
    /// Yields every complete line (ending in <c>\n</c>) up to <paramref name="limit"/> bytes. The bytes after the last
    /// line break go to <paramref name="tail"/> once the enumeration ends; whether they may be dropped is
    /// <see cref="TornRow"/>'s decision.
    /// </summary>
    /// <exception cref="AuditStoreException">A line (or the tail) is longer than 16 MiB, which no event row can be.</exception>
    public static async IAsyncEnumerable<JsonLine> ReadAsync(Stream stream, long limit, JsonLinesTail tail,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int start = 0, end = 0;
            long offset = 0, remaining = limit;
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start == 0)
                    {
                        if (buffer.Length >= MaxLineLength)
                        {
                            // Judged by the same rule as a tail, so that the message does not depend on the size.
                            throw new AuditStoreException(
                                $"The log cannot be read: {TornRow.WhyNotTorn(buffer.AsSpan(0, end), offset, expectedSeq: null)}.");
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }
                    else
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                }

                var read = remaining <= 0
                    ? 0
                    : await stream.ReadAsync(buffer.AsMemory(end, (int)Math.Min(buffer.Length - end, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    tail.Offset = offset;
                    tail.Bytes = buffer.AsSpan(start, end - start).ToArray();
                    yield break;
                }

                remaining -= read;
                end += read;
                int newline;
                while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
                {
                    offset += newline + 1;
                    yield return new JsonLine(buffer.AsMemory(start, newline), offset);
                    start += newline + 1;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
