using System.Buffers;
using System.Runtime.CompilerServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// Streams the events of an audit-spec v1 bundle, in bounded memory, with the same strict parsing as
/// <see cref="BundleVerifier"/>. It does not verify signatures or the chain: run <see cref="BundleVerifier"/> first
/// and treat what this reads as evidence only when the verdict is valid.
/// </summary>
public static class BundleReader
{
    /// <summary>Reads the events of the bundle file at <paramref name="path"/>, in order.</summary>
    /// <param name="path">The bundle file.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <exception cref="CanonicalJsonException">The bundle or one of its events is malformed; the message names the seq when it is known.</exception>
    public static async IAsyncEnumerable<AuditEvent> ReadFileAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
        await using (file.ConfigureAwait(false))
        {
            await foreach (var e in ReadAsync(file, cancellationToken).ConfigureAwait(false)) yield return e;
        }
    }

    /// <summary>Reads the events of the bundle read from <paramref name="bundle"/> to its end, in order.</summary>
    /// <param name="bundle">The bundle's UTF-8 JSON; read to the end and left open.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <exception cref="CanonicalJsonException">The bundle or one of its events is malformed.</exception>
    public static async IAsyncEnumerable<AuditEvent> ReadAsync(Stream bundle, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        using var sink = new Sink();
        var scanner = new BundleScanner();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            int start = 0, end = 0;
            while (true)
            {
                if (end == buffer.Length) buffer = BundleScanner.MakeRoom(buffer, ref start, ref end);

                var read = await bundle.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                end += read;
                start += scanner.Scan(buffer.AsSpan(start, end - start), isFinal: read == 0, sink);
                foreach (var e in sink.Events) yield return e;
                sink.Events.Clear();
                if (read == 0) yield break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed class Sink : BundleScanner.ISink, IDisposable
    {
        private readonly EventRowParser _parser = new();

        public List<AuditEvent> Events { get; } = [];

        public void OnManifest(ReadOnlySpan<byte> manifest)
        {
            // The manifest is the verifier's business; the reader only wants the events.
        }

        public void OnTransparency(ReadOnlySpan<byte> section)
        {
            // Checkpoints and proofs are the verifier's business too.
        }

        public void OnEvent(ReadOnlySpan<byte> row) => Events.Add(_parser.ParseStored(row, verifyHash: false).ToAuditEvent());

        public void Dispose() => _parser.Dispose();
    }
}
