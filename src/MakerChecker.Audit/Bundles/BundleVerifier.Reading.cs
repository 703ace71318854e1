using System.Buffers;
using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Bundles;

public static partial class BundleVerifier
{
    /// <summary>Reading the bundle: mapped window by window while the lease holds, else as a stream; each scan pausing to pump the batches.</summary>
    private sealed partial class Verification
    {
        /// <summary>
        /// Scans the mapped file window by window, the rows referenced in place. Returns where it stopped: the file's
        /// length, or where the rest must be read as a stream because someone is waiting to write the file.
        /// </summary>
        private async Task<long> ReadMappedAsync(MappedBundleFile map, MappedReading? mapped, CancellationToken cancellationToken)
        {
            long position = 0;
            var windowBytes = mapped?.WindowBytes ?? MappedBundleFile.WindowBytes;
            var size = windowBytes;
            for (var index = 0; ; index++)
            {
                if (mapped?.BeforeWindow is { } before)
                {
                    await before(index, map).ConfigureAwait(false);
                }

                if (map.IsLeaseBroken)
                {
                    _rows.Seal();
                    await _rows.PumpAsync(final: true, Consume, cancellationToken).ConfigureAwait(false);
                    return position;
                }

                var length = (int)Math.Min(size, map.Length - position);
                var isFinal = position + length == map.Length;
                var window = map.Map(position, length);
                _rows.Source = window.Memory; // seals the last batch of the previous window
                if (_window is not null)
                {
                    _retiredWindows.Enqueue((_window, _rows.SealedBatches));
                }

                _window = window;
                var consumed = await ScanAsync(window.Memory, isFinal, cancellationToken).ConfigureAwait(false);
                if (isFinal)
                {
                    return map.Length;
                }

                // One value larger than the window: map a larger one from the same place, up to the stream path's limit.
                size = consumed > 0 ? windowBytes
                    : size < MaxValueBytes ? size * 2
                    : throw new CanonicalJsonException(MalformedJson, "a single bundle value is larger than 64 MiB");
                position += consumed;
                await _rows.PumpAsync(final: false, Consume, cancellationToken).ConfigureAwait(false);
                ReleaseWindows(all: false);
            }
        }

        /// <summary>
        /// Unmaps the replaced windows whose rows have all been consumed, or, when <paramref name="all"/> (no row is in
        /// flight any more), every window.
        /// </summary>
        private void ReleaseWindows(bool all)
        {
            while (_retiredWindows.TryPeek(out var retired) && (all || retired.SealedBefore <= _rows.ConsumedBatches))
            {
                ((IDisposable)_retiredWindows.Dequeue().Window).Dispose();
            }

            if (all && _window is not null)
            {
                ((IDisposable)_window).Dispose();
                _window = null;
            }
        }

        /// <summary>Reads the (rest of the) bundle from a stream through a pooled buffer, copying each row into its batch.</summary>
        private async Task ReadStreamAsync(Stream bundle, CancellationToken cancellationToken)
        {
            _rows.Source = default;
            var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
            try
            {
                int start = 0, end = 0;
                while (true)
                {
                    if (end == buffer.Length)
                    {
                        buffer = BundleScanner.MakeRoom(buffer, ref start, ref end);
                    }

                    // A file is read on this thread: FileStream.ReadAsync would queue each read to the thread pool behind
                    // the batches being hashed, so the next rows would reach the workers only after those batches.
                    var read = bundle is FileStream
                        ? bundle.Read(buffer.AsSpan(end))
                        : await bundle.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                    end += read;
                    start += await ScanAsync(buffer.AsMemory(start, end - start), isFinal: read == 0, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return; // ScanAsync has pumped every batch at the end
                    }

                    await _rows.PumpAsync(final: false, Consume, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>
        /// Scans what there is of the bundle; returns how much was consumed. The scan pauses after each row that fills a
        /// batch, to pump: the batches in flight stay topped up from within a window (or read buffer), so the workers
        /// never wait for the scan to reach its end. At the end, the last batch is started.
        /// </summary>
        private async ValueTask<int> ScanAsync(ReadOnlyMemory<byte> data, bool isFinal, CancellationToken cancellationToken)
        {
            var consumed = 0;
            while (true)
            {
                try
                {
                    _batchSealed = false;
                    consumed += _scanner.Scan(data.Span[consumed..], isFinal, this);
                }
                catch (CanonicalJsonException)
                {
                    // The bundle breaks after some rows: as in the reference, a bad row before the break is reported first.
                    _rows.Seal();
                    await _rows.PumpAsync(final: true, Consume, cancellationToken).ConfigureAwait(false);
                    throw;
                }

                if (!_batchSealed)
                {
                    break;
                }

                await _rows.PumpAsync(final: false, Consume, cancellationToken).ConfigureAwait(false);
                ReleaseWindows(all: false);
            }

            if (isFinal)
            {
                _rows.Seal();
                await _rows.PumpAsync(final: true, Consume, cancellationToken).ConfigureAwait(false);
            }

            return consumed;
        }
    }
}
