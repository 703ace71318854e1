using System.Globalization;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// Exports signed audit-spec v1 bundles (<c>{"manifest": …, "events": […]}</c>) for an inspector. A full export of a
/// <see cref="CheckpointedAuditStore"/> signs a checkpoint first and adds the optional <c>"transparency"</c> member (the
/// checkpoints and the consistency proofs between them) between the manifest and the events. It streams: the
/// store is read twice (once for the manifest, once for the rows) and no more than one event is held at a time.
/// </summary>
public static class BundleExporter
{
    /// <summary>Exports every event of the store, from genesis to the head at the time of the call.</summary>
    /// <param name="store">The log to export.</param>
    /// <param name="signer">Signs the manifest.</param>
    /// <param name="destination">Where the bundle's UTF-8 JSON is written; left open.</param>
    /// <param name="timeProvider">The clock for <c>exportedAt</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>A task that completes when the bundle is written.</returns>
    /// <exception cref="InvalidOperationException">The store's events changed while they were being exported.</exception>
    public static Task ExportFullAsync(IAuditStore store, IAuditSigner signer, Stream destination,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default) =>
        ExportAsync(store, runId: null, signer, destination, timeProvider, cancellationToken);

    /// <summary>Exports the events of one run, each with <c>run_id</c> equal to <paramref name="runId"/>.</summary>
    /// <param name="store">The log to export from.</param>
    /// <param name="runId">The run to export.</param>
    /// <param name="signer">Signs the manifest.</param>
    /// <param name="destination">Where the bundle's UTF-8 JSON is written; left open.</param>
    /// <param name="timeProvider">The clock for <c>exportedAt</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the export.</param>
    /// <returns>A task that completes when the bundle is written.</returns>
    /// <exception cref="InvalidOperationException">The store's events changed while they were being exported.</exception>
    public static Task ExportRunAsync(IAuditStore store, string runId, IAuditSigner signer, Stream destination,
        TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return ExportAsync(store, runId, signer, destination, timeProvider, cancellationToken);
    }

    private static async Task ExportAsync(IAuditStore store, string? runId, IAuditSigner signer, Stream destination,
        TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(destination);

        // A checkpointed log signs a checkpoint at every full export, before pass 1, so the checkpoint never covers
        // events the bundle lacks.
        var checkpointed = runId is null ? store as CheckpointedAuditStore : null;
        if (checkpointed is not null)
        {
            if (!checkpointed.VerifierKey.PublicKey.Span.SequenceEqual(signer.PublicKey.Span))
            {
                throw new InvalidOperationException(
                    $"The bundle signer's key is not the key of the log's checkpoints ({checkpointed.VerifierKey}): " +
                    "sign the export with the checkpoint key so that one key verifies the whole bundle.");
            }

            if (!checkpointed.IsReadOnly)
            {
                await checkpointed.CheckpointAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // Pass 1: what the manifest states. The head at this moment bounds the export.
        using var summary = new Summary();
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (runId is null || e.RunId == runId)
            {
                summary.Add(StoredEvent.From(e));
            }
        }

        var manifest = new BundleManifest
        {
            BundleKind = runId is null ? BundleManifest.Full : BundleManifest.Run,
            InstanceId = store.InstanceId,
            ExportedAt = OccurredAt.Format((timeProvider ?? TimeProvider.System).GetUtcNow()),
            RunId = runId,
            Count = summary.Count,
            FirstSeq = summary.Count == 0 ? null : summary.FirstSeq.ToString(CultureInfo.InvariantCulture),
            LastSeq = summary.Count == 0 ? null : summary.LastSeq.ToString(CultureInfo.InvariantCulture),
            HeadHash = summary.Count == 0 ? null : summary.Head.ToHex(),
            EventHashesDigest = summary.DigestHex(),
        };
        var signature = await signer.SignAsync(manifest.SigningBytes(), cancellationToken).ConfigureAwait(false);
        manifest = manifest with
        {
            PublicKeyPem = PublicKeyPem.Encode(signer.PublicKey.Span),
            Signature = Convert.ToBase64String(signature),
        };

        // Pass 2: the rows, up to the seq pass 1 ended at; they must add up to the same digest.
        using var writer = new CanonicalJsonWriter();
        writer.Output.Write("{\"manifest\":"u8);
        manifest.WriteTo(writer);
        if (checkpointed is not null && checkpointed.Checkpoints.Where(r => r.Checkpoint.Checkpoint.Size <= summary.Count).ToList() is { Count: > 0 } records)
        {
            writer.Output.Write(",\"transparency\":"u8);
            using var section = new MemoryStream();
            using (var json = new System.Text.Json.Utf8JsonWriter(section))
            {
                BundleTransparency.Write(json, checkpointed.VerifierKey, records);
            }

            writer.Output.Write(section.GetBuffer().AsSpan(0, (int)section.Length));
        }
        writer.Output.Write(",\"events\":["u8);
        using var check = new Summary();
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (summary.Count == 0 || e.Seq > summary.LastSeq)
            {
                break;
            }

            if (runId is not null && e.RunId != runId)
            {
                continue;
            }

            var stored = StoredEvent.From(e);
            check.Add(stored);
            writer.Output.Write(check.Count == 1 ? "\n"u8 : ",\n"u8);
            stored.WriteRow(writer.Output);
            if (writer.Output.Length >= 1 << 16)
            {
                await destination.WriteAsync(writer.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
                writer.Output.Clear();
            }
        }

        writer.Output.Write(check.Count == 0 ? "]}\n"u8 : "\n]}\n"u8);
        await destination.WriteAsync(writer.Output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (check.Count != summary.Count || check.DigestHex() != summary.DigestHex())
        {
            throw new InvalidOperationException(
                $"The store's events changed during the export ({summary.Count} events first, {check.Count} then): " +
                "the bundle written is invalid; export again.");
        }
    }

    /// <summary>The running figures of a manifest: count, first and last seq, head and the hash-set digest.</summary>
    private sealed class Summary : IDisposable
    {
        private readonly EventHashesDigest _digest = new();

        public long Count { get; private set; }
        public long FirstSeq { get; private set; }
        public long LastSeq { get; private set; }
        public Hash32 Head { get; private set; }

        public void Add(StoredEvent e)
        {
            Count++;
            FirstSeq = Count == 1 ? e.Seq : FirstSeq;
            LastSeq = e.Seq;
            Head = e.Hash;
            _digest.Add(e.Hash);
        }

        public string DigestHex() => _digest.Hex();

        public void Dispose() => _digest.Dispose();
    }
}
