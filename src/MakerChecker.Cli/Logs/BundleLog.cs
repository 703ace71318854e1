using System.Buffers;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Logs;

/// <summary>
/// A verified full bundle read as a log, so that the commands that read a live log (export of a run or case, receipts,
/// the latest checkpoint, consistency) also take a bundle: its events are the log, and its <c>transparency</c>
/// checkpoints, which are records of the same form as a <c>.checkpoints</c> file, are written to a temporary history
/// that the read-only checkpointed store opens as it opens a live log's. Nothing beside the bundle is written; the
/// temporary history is deleted on dispose.
/// </summary>
internal sealed class BundleLog : IAuditStore
{
    private readonly string _path;
    private readonly string _temp;

    private BundleLog(string path, string instanceId, string temp, bool hasCheckpoints)
    {
        _path = path;
        InstanceId = instanceId;
        _temp = temp;
        CheckpointPrefix = hasCheckpoints ? Path.Combine(temp, "bundle") : null;
    }

    /// <inheritdoc/>
    public string InstanceId { get; }

    /// <summary>The prefix of the bundle's checkpoint history (its <c>transparency</c> records), or <see langword="null"/> when it has none.</summary>
    public string? CheckpointPrefix { get; }

    /// <summary>Verifies the bundle (every check of <c>audit verify</c>), then opens it as a log.</summary>
    /// <exception cref="AuditStoreException">The bundle fails verification, or is a run bundle (one run, not the log).</exception>
    public static async Task<BundleLog> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var verdict = await BundleVerifier.VerifyFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!verdict.IsValid)
        {
            var at = verdict.FailedSeq is { } seq ? $" at seq {seq}" : string.Empty;
            throw new AuditStoreException($"the bundle '{path}' fails verification{at} ({verdict.ReasonCode}: {verdict.Reason}); nothing is read from it.");
        }

        var (manifest, transparency) = await ReadHeadAsync(path, cancellationToken).ConfigureAwait(false);
        if (manifest.BundleKind != BundleManifest.Full)
        {
            throw new AuditStoreException(
                $"the bundle '{path}' is a run bundle: it holds one run, not the log. Give a full bundle or the live log.");
        }

        var temp = Directory.CreateTempSubdirectory("makerchecker-bundle-").FullName;
        if (transparency is not null)
        {
            await using var history = File.Create(Path.Combine(temp, "bundle" + CheckpointedAuditStore.HistoryFileSuffix));
            using var json = System.Text.Json.JsonDocument.Parse(transparency);
            foreach (var record in json.RootElement.GetProperty("checkpoints").EnumerateArray())
            {
                await history.WriteAsync(System.Text.Encoding.UTF8.GetBytes(record.GetRawText() + "\n"), cancellationToken).ConfigureAwait(false);
            }
        }

        return new BundleLog(path, manifest.InstanceId, temp, transparency is not null);
    }

    /// <inheritdoc/>
    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A bundle is read-only evidence: it is never appended to.");

    /// <inheritdoc/>
    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A bundle is read-only evidence: it is never appended to.");

    /// <inheritdoc/>
    public async IAsyncEnumerable<AuditEvent> ReadAsync(
        long fromSeq = 1, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in BundleReader.ReadFileAsync(_path, cancellationToken).ConfigureAwait(false))
        {
            if (e.Seq >= fromSeq) yield return e;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_temp, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A temporary copy of public checkpoints left behind is harmless; the command's result is what matters.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The manifest and the raw transparency section, read up to the first event.</summary>
    private static async Task<(BundleManifest Manifest, byte[]? Transparency)> ReadHeadAsync(string path, CancellationToken cancellationToken)
    {
        var sink = new HeadSink();
        var scanner = new BundleScanner();
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
            int start = 0, end = 0;
            while (!sink.SawEvent)
            {
                if (end == buffer.Length) buffer = BundleScanner.MakeRoom(buffer, ref start, ref end);
                var read = await file.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                end += read;
                start += scanner.Scan(buffer.AsSpan(start, end - start), isFinal: read == 0, sink);
                if (read == 0) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (sink.Manifest ?? throw new AuditStoreException($"the bundle '{path}' has no manifest."), sink.Transparency);
    }

    private sealed class HeadSink : BundleScanner.ISink
    {
        public BundleManifest? Manifest { get; private set; }

        public byte[]? Transparency { get; private set; }

        public bool SawEvent { get; private set; }

        public void OnManifest(ReadOnlySpan<byte> manifest) => Manifest = BundleManifest.Parse(manifest).Manifest;

        public void OnTransparency(ReadOnlySpan<byte> section) => Transparency = section.ToArray();

        public void OnEvent(ReadOnlySpan<byte> row) => SawEvent = true;
    }
}
