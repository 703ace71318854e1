using System.Buffers;
using System.Runtime.CompilerServices;

namespace MakerChecker.Audit.Stores;

/// <summary>One line of a JSON Lines file and the file offset just after its line break.</summary>
internal readonly record struct JsonLine(ReadOnlyMemory<byte> Bytes, long EndOffset);

/// <summary>Reads a JSON Lines file line by line with a bounded buffer.</summary>
internal static class JsonLines
{
    private const int MaxLineLength = 16 * 1024 * 1024;

    /// <summary>
    /// Yields every complete line (ending in <c>\n</c>) up to <paramref name="limit"/> bytes. Bytes after the last
    /// line break are a torn line; <paramref name="tornTail"/> receives how many there are once the enumeration ends.
    /// </summary>
    public static async IAsyncEnumerable<JsonLine> ReadAsync(Stream stream, long limit, StrongBox<long> tornTail,
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
                            throw new AuditStoreException($"A line at offset {offset} is longer than {MaxLineLength} bytes.");
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

                var read = remaining <= 0 ? 0 : await stream.ReadAsync(buffer.AsMemory(end, (int)Math.Min(buffer.Length - end, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    tornTail.Value = end - start;
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
