using System.Buffers;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Stores;

// Opening from the end of the file: the genesis row, the last OpenVerificationBytes of rows and the bytes after the last
// line break, so that an open costs the same whatever the length of the history (docs/stores.md, "What opening checks").
public sealed partial class FileAuditStore
{
    /// <summary>How far back from a position a line break is looked for: longer than any line a reader accepts.</summary>
    private const int MaxLineSearch = (16 * 1024 * 1024) + 1;

    /// <summary>
    /// The writer's open: verifies the genesis row and the rows in the last <paramref name="window"/> bytes (each hash, each
    /// link but the first row's), finds the head in the last whole row, and judges the bytes after it by the torn-row rule.
    /// A file no longer than the window, or whose end is not a run of lines (no line break where one must be), is scanned
    /// whole by <see cref="ScanAsync"/>, so every refusal keeps the exact message of the whole-file scan.
    /// </summary>
    private static async Task<ScanResult> ScanEndAsync(FileStream log, string path, long window, CancellationToken cancellationToken)
    {
        var length = log.Length;
        var handle = log.SafeFileHandle;
        long read = 0;
        var lastBreak = length <= window ? -1 : LastLineBreakBefore(handle, length, ref read);
        var start = lastBreak < 0 ? -1 : LineStartAt(handle, Math.Min(length - window, lastBreak), ref read);
        var genesisEnd = start <= 0 ? -1 : LastLineBreakBefore(handle, -1, ref read, firstAfter: 0) + 1;
        if (start <= 0 || genesisEnd <= 0 || genesisEnd > start)
        {
            // The window reaches the genesis row, or the file has no line structure to start from: verify it all.
            var whole = await ScanAsync(log, path, cancellationToken).ConfigureAwait(false);
            return whole with { BytesRead = length };
        }

        using var parser = new EventRowParser();
        var genesisBytes = new byte[genesisEnd - 1];
        read += RandomAccess.Read(handle, genesisBytes, 0);
        var (genesis, genesisError) = TryParse(parser, genesisBytes, "line 1", 1);
        if (genesisError is not null || genesis.GenesisInstanceId is not { } instanceId)
        {
            var whole = await ScanAsync(log, path, cancellationToken).ConfigureAwait(false); // names what is wrong with line 1
            return whole with { BytesRead = length + read };
        }

        using var root = ChainChecker.ForFullLog(instanceId);
        root.Add(genesis);
        using var checker = ChainChecker.ForLogSuffix(instanceId);
        AuditVerdict? failure = root.HashFailure ?? root.LinkFailure;
        var tail = new JsonLinesTail();
        long validLength = start;
        log.Position = start;
        try
        {
            await foreach (var line in JsonLines.ReadAsync(log, length - start, tail, cancellationToken).ConfigureAwait(false))
            {
                var offset = validLength;
                validLength = start + line.EndOffset;
                if (failure is not null)
                {
                    continue;
                }

                var (row, error) = TryParse(parser, line.Bytes, $"the row at byte {offset}");
                if (error is not null)
                {
                    failure = error;
                    continue;
                }

                checker.Add(row);
            }
        }
        catch (AuditStoreException ex)
        {
            throw new AuditStoreException($"The audit log '{path}' is not opened, and nothing in it was changed. {ex.Message}", ex);
        }

        read += length - start;
        tail.Offset += start;
        var lastSeq = checker.LastSeq;
        var verdict = failure ?? checker.HashFailure ?? checker.LinkFailure ?? new AuditVerdict { IsValid = true, EventCount = lastSeq };
        var tailRefusal = tail.Bytes.Length == 0 ? null : TornRow.WhyNotTorn(tail.Bytes, tail.Offset, lastSeq + 1);
        return new ScanResult(verdict with { EventCount = lastSeq }, instanceId, lastSeq, lastSeq, checker.Head, validLength,
            tailRefusal is null ? tail.Bytes.Length : 0, tailRefusal) { BytesRead = read };
    }

    /// <summary>
    /// The offset of the last line break before <paramref name="end"/> (looking back at most <see cref="MaxLineSearch"/>
    /// bytes), or −1. With <paramref name="firstAfter"/> set instead, the first line break at or after it (looking ahead
    /// as far), or −1.
    /// </summary>
    private static long LastLineBreakBefore(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long end, ref long read, long firstAfter = -1)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            if (firstAfter >= 0)
            {
                for (var at = firstAfter; at - firstAfter < MaxLineSearch;)
                {
                    var n = RandomAccess.Read(handle, buffer, at);
                    read += n;
                    if (n == 0) return -1;
                    var i = buffer.AsSpan(0, n).IndexOf((byte)'\n');
                    if (i >= 0) return at + i;
                    at += n;
                }

                return -1;
            }

            for (var to = end; to > 0 && end - to < MaxLineSearch;)
            {
                var from = Math.Max(0, to - buffer.Length);
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)(to - from)), from);
                read += n;
                var i = buffer.AsSpan(0, n).LastIndexOf((byte)'\n');
                if (i >= 0) return from + i;
                to = from;
            }

            return -1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The offset where the line holding byte <paramref name="offset"/> starts (0, or just after a line break); −1 when none is near.</summary>
    private static long LineStartAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, ref long read)
    {
        if (offset <= 0) return 0;
        var previous = LastLineBreakBefore(handle, offset, ref read);
        return previous >= 0 ? previous + 1 : offset < MaxLineSearch ? 0 : -1;
    }
}

// Reading from a seq: the file is bisected on the seq each row starts with (rows are in seq order), so a read of the
// newest events (a gate catching up, a receipt, the checkpointed store's tail) costs O(log n) small reads, not a scan.
public sealed partial class FileAuditStore
{
    private static ReadOnlySpan<byte> RowStart => "{\"seq\":\""u8;

    /// <summary>
    /// A line start at or before the first row whose seq is at least <paramref name="seq"/>, at most one bisection step
    /// (64 KiB, or one row) before it. 0 when a probed line does not start as a row does: the reader then scans from the
    /// start, as it would without the bisection.
    /// </summary>
    private static long SeekRow(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long seq, long limit)
    {
        long lo = 0, hi = limit, ignored = 0;
        while (hi - lo > 64 * 1024)
        {
            var mid = lo + ((hi - lo) / 2);
            var lineStart = LastLineBreakBefore(handle, -1, ref ignored, firstAfter: mid - 1) + 1;
            if (lineStart <= 0 || lineStart >= hi)
            {
                hi = mid; // no row starts in [mid, hi): the one sought starts before mid, or is the one at hi
                continue;
            }

            if (SeqAt(handle, lineStart) is not { } found)
            {
                return 0;
            }

            (lo, hi) = found < seq ? (lineStart, hi) : (lo, lineStart);
        }

        return lo;
    }

    /// <summary>The seq a row starting at <paramref name="offset"/> names (its first field), or <see langword="null"/>.</summary>
    private static long? SeqAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset)
    {
        Span<byte> start = stackalloc byte[32];
        var n = RandomAccess.Read(handle, start, offset);
        return SeqOf(start[..n]);
    }

    /// <summary>The seq in the first field of a row, as every row starts (<c>{"seq":"N"</c>), or <see langword="null"/>.</summary>
    private static long? SeqOf(ReadOnlySpan<byte> row)
    {
        if (!row.StartsWith(RowStart)) return null;
        var digits = row[RowStart.Length..];
        var quote = digits.IndexOf((byte)'"');
        return quote is > 0 and <= 19 && System.Buffers.Text.Utf8Parser.TryParse(digits[..quote], out long seq, out var used) && used == quote
            ? seq : null;
    }

    /// <summary>The acknowledged events from <paramref name="fromSeq"/> on, found by <see cref="SeekRow"/>.</summary>
    private async IAsyncEnumerable<AuditEvent> ReadFromAsync(
        long fromSeq, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limit = Interlocked.Read(ref _committedLength);
        await using var file = OpenForReading(_path);
        var start = SeekRow(file.SafeFileHandle, fromSeq, limit);
        file.Position = start;
        using var parser = new EventRowParser();
        var offset = start;
        await foreach (var line in JsonLines.ReadAsync(file, limit - start, new JsonLinesTail(), cancellationToken).ConfigureAwait(false))
        {
            var at = offset;
            offset = start + line.EndOffset;
            if (SeqOf(line.Bytes.Span) is { } seq && seq < fromSeq)
            {
                continue; // before the events asked for: not parsed
            }

            StoredEvent stored;
            try
            {
                stored = parser.ParseStored(line.Bytes.Span, verifyHash: !IsReadOnly);
            }
            catch (Canonicalization.CanonicalJsonException ex)
            {
                throw new AuditStoreException($"The audit log '{_path}' row at byte {at} cannot be read: {ex.Message}", ex);
            }

            if (stored.Seq >= fromSeq)
            {
                yield return stored.ToAuditEvent();
            }
        }

        if (TailRefusal is not null)
        {
            throw new AuditStoreException($"The audit log '{_path}' cannot be read to its end: {TailRefusal}.");
        }
    }
}
