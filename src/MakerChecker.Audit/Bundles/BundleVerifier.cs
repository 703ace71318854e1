using System.Buffers;
using System.Globalization;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Verification;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// Verifies an audit-spec v1 bundle as it streams in, in bounded memory, recomputing event hashes on all cores.
/// The checks follow the spec's order: signature (and pinned key), count, hash-set digest, every event hash,
/// linkage (full: genesis-rooted chain; run: run membership), then head hash and first/last seq. The verdict
/// reports the first check that failed.
/// </summary>
public static class BundleVerifier
{
    /// <summary>Verifies the bundle file at <paramref name="path"/>.</summary>
    /// <param name="path">The bundle file.</param>
    /// <param name="options">Key pinning and parallelism; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The verdict.</returns>
    public static Task<AuditVerdict> VerifyFileAsync(string path, BundleVerifierOptions? options = null, CancellationToken cancellationToken = default) =>
        VerifyFileAsync(path, options, mapped: null, cancellationToken);

    /// <summary>
    /// Verifies the bundle file at <paramref name="path"/>, through a memory map where <see cref="MappedBundleFile.TryOpen"/>
    /// allows one (else as a stream). <paramref name="mapped"/> lets tests force either path and watch the mapped one.
    /// </summary>
    internal static async Task<AuditVerdict> VerifyFileAsync(string path, BundleVerifierOptions? options, MappedReading? mapped,
        CancellationToken cancellationToken)
    {
        // Read synchronously (see RunAsync): no FileOptions.Asynchronous.
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        using var map = mapped?.Enabled == false ? null : MappedBundleFile.TryOpen(file);
        if (mapped is not null)
        {
            mapped.WasMapped = map is not null;
        }

        var (pinned, parallelism) = Prepare(options);
        using var run = new Verification(pinned, parallelism, mapped?.BatchBytes ?? RowHashingPipeline.BatchBytes);
        return await run.RunAsync(file, map, mapped, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Verifies the bundle read from <paramref name="bundle"/> to its end.</summary>
    /// <param name="bundle">The bundle's UTF-8 JSON; read to the end and left open.</param>
    /// <param name="options">Key pinning and parallelism; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The verdict.</returns>
    /// <exception cref="ArgumentException">The pinned key is not an Ed25519 SPKI PEM public key.</exception>
    public static async Task<AuditVerdict> VerifyAsync(Stream bundle, BundleVerifierOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var (pinned, parallelism) = Prepare(options);
        using var run = new Verification(pinned, parallelism, RowHashingPipeline.BatchBytes);
        return await run.RunAsync(bundle, map: null, mapped: null, cancellationToken).ConfigureAwait(false);
    }

    private static (byte[]? Pinned, int Parallelism) Prepare(BundleVerifierOptions? options)
    {
        options ??= new BundleVerifierOptions();
        byte[]? pinned = null;
        if (options.PinnedPublicKeyPem is { } pem && !PublicKeyPem.TryDecode(pem, out pinned, lenient: true))
        {
            throw new ArgumentException("The pinned key is not an Ed25519 SPKI PEM public key (-----BEGIN PUBLIC KEY-----).", nameof(options));
        }

        return (pinned, Math.Max(1, options.MaxDegreeOfParallelism));
    }

    /// <summary>One verification: the scanner's sink, the pool of hashing workers and the ordered consumer.</summary>
    private sealed class Verification : BundleScanner.ISink, IDisposable
    {
        private readonly BundleScanner _scanner = new();
        private readonly RowHashingPipeline _rows;
        private readonly Queue<(MappedBundleFile.Window Window, long SealedBefore)> _retiredWindows = new(); // still referenced by batches in flight
        private MappedBundleFile.Window? _window; // the mapped window being scanned
        private readonly byte[]? _pinnedKey;
        private BundleManifest? _manifest;
        private ChainChecker? _checker;
        private string? _fingerprint;
        private byte[]? _publicKey;
        private BundleTransparency? _transparency;
        private AuditVerdict? _transparencyFailure;
        private AuditVerdict? _signatureFailure;
        private long _rowsRead;
        private bool _batchSealed; // the scan's last row filled its batch: pause to pump

        public Verification(byte[]? pinnedKey, int parallelism, int batchBytes)
        {
            _pinnedKey = pinnedKey;
            _rows = new RowHashingPipeline(parallelism, () => new EventRowParser { ExpectedRunId = _manifest!.RunId },
                () => _transparency is not null, batchBytes: batchBytes);
        }

        /// <summary>
        /// Reads the bundle to its end and concludes: from <paramref name="map"/> while its lease holds, then (or without
        /// a map) from <paramref name="bundle"/>, which must then stand where the mapped reading stopped.
        /// </summary>
        public async Task<AuditVerdict> RunAsync(Stream bundle, MappedBundleFile? map, MappedReading? mapped, CancellationToken cancellationToken)
        {
            try
            {
                if (map is not null)
                {
                    var stoppedAt = await ReadMappedAsync(map, mapped, cancellationToken).ConfigureAwait(false);
                    if (stoppedAt == map.Length)
                    {
                        return Conclude();
                    }

                    // A writer is waiting: let go of the map (every row handed out has been checked) and read the rest.
                    ReleaseWindows(all: true);
                    map.Dispose();
                    if (mapped?.AfterLeaseReleased is { } released)
                    {
                        await released().ConfigureAwait(false);
                    }

                    bundle.Position = stoppedAt;
                }

                await ReadStreamAsync(bundle, cancellationToken).ConfigureAwait(false);
                return Conclude();
            }
            catch (CanonicalJsonException ex)
            {
                return WithKey(AuditVerdict.Fail(ex.ReasonCode, ex.Message));
            }
            catch (VerdictException ex)
            {
                return WithKey(ex.Verdict);
            }
            finally
            {
                await _rows.DrainAsync().ConfigureAwait(false);
                ReleaseWindows(all: true);
            }
        }

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

        public void OnManifest(ReadOnlySpan<byte> raw)
        {
            var (manifest, signingBytes) = BundleManifest.Parse(raw);
            _manifest = manifest;
            _checker = manifest.RunId is null
                ? ChainChecker.ForFullLog(manifest.InstanceId)
                : ChainChecker.ForRun(manifest.InstanceId, manifest.RunId);

            // Step 1 is judged now but reported after step 0 (every row parses strictly), as audit-format.md §6 orders:
            // the rows are still read, so a bundle that is malformed too gets step 0's code, as from the reference.
            _signatureFailure = CheckSignature(manifest, signingBytes);
        }

        /// <summary>audit-format.md §6 step 1: the manifest's key, its signature, and the pinned key.</summary>
        private AuditVerdict? CheckSignature(BundleManifest manifest, ReadOnlySpan<byte> signingBytes)
        {
            if (!PublicKeyPem.TryDecode(manifest.PublicKeyPem, out var key))
            {
                return AuditVerdict.Fail(InvalidPublicKey, "the manifest's publicKeyPem is not an Ed25519 SPKI PEM public key");
            }

            _fingerprint = PublicKeyPem.Fingerprint(key);
            _publicKey = key;
            var signature = new byte[64];
            if (!Convert.TryFromBase64String(manifest.Signature, signature, out var length) || length != 64 ||
                Convert.ToBase64String(signature) != manifest.Signature ||
                !Ed25519AuditSigner.Verify(key, signingBytes, signature))
            {
                return AuditVerdict.Fail(SignatureInvalid,
                    $"the manifest signature does not verify under the bundle's public key {_fingerprint}");
            }

            if (_pinnedKey is not null && !_pinnedKey.AsSpan().SequenceEqual(key))
            {
                return AuditVerdict.Fail(PinnedKeyMismatch,
                    $"the bundle is signed by {_fingerprint}, not by the pinned key {PublicKeyPem.Fingerprint(_pinnedKey)}");
            }

            return null;
        }

        /// <summary>The optional transparency section: checked now, matched against the events as they stream, reported last.</summary>
        public void OnTransparency(ReadOnlySpan<byte> section)
        {
            if (_manifest!.RunId is not null)
            {
                _transparencyFailure = AuditVerdict.Fail(TransparencyInvalid,
                    "a run bundle carries no transparency section: checkpoints cover the whole log, not one run");
                return;
            }

            _transparency = BundleTransparency.Parse(section, _publicKey, out _transparencyFailure);
        }

        public void OnEvent(ReadOnlySpan<byte> row) => _batchSealed = _rows.Add(row);

        /// <summary>The row just added filled its batch, which is now on a worker: pause the scan to pump.</summary>
        bool BundleScanner.ISink.PauseAfterEvent => _batchSealed;

        public void OnUnfinishedEvent(ReadOnlySpan<byte> rest) => _rows.AddUnfinished(rest);

        /// <summary>Runs in order on the reading thread: feeds the chain checker.</summary>
        private void Consume(RowBatch batch)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (i == batch.ErrorIndex)
                {
                    // The reference verifier's reading of the bad row decides its reason and seq (only on failure, off the fast path).
                    var (reference, referenceSeq) = ReferenceBundleVerifier.RowError(batch.Row(i).Span);
                    var ex = reference ?? batch.Error!;
                    var seq = reference is null ? batch.ErrorSeq : referenceSeq;
                    throw new VerdictException(AuditVerdict.Fail(ex.ReasonCode,
                        $"event #{_rowsRead + 1}{(seq is null ? "" : $" (seq {seq})")}: {ex.Message}", seq));
                }

                _rowsRead++;
                _checker!.Add(batch.Results[i]);
                _transparency?.AddLeaf(batch.Results[i].LeafHash);
            }
        }

        private AuditVerdict Conclude()
        {
            var m = _manifest!;
            var c = _checker!;
            var failure = _signatureFailure ??
                (c.Count != m.Count ? AuditVerdict.Fail(CountMismatch, $"event count {c.Count} does not match the manifest count {m.Count}")
                : c.DigestHex() != m.EventHashesDigest ? AuditVerdict.Fail(DigestMismatch,
                    $"event hash digest mismatch: the events' hashes give {c.DigestHex()}, the manifest's eventHashesDigest is {m.EventHashesDigest} " +
                    "(events removed, added or reordered)")
                : c.HashFailure ?? c.LinkFailure ?? CheckEnds(m, c) ?? _transparencyFailure ?? _transparency?.Conclude());
            return WithKey(failure ?? new AuditVerdict { IsValid = true, CheckpointCount = _transparency?.Count ?? 0 });
        }

        private static AuditVerdict? CheckEnds(BundleManifest m, ChainChecker c)
        {
            if (c.Count == 0)
            {
                return m.HeadHash is null && m.FirstSeq is null && m.LastSeq is null
                    ? null
                    : AuditVerdict.Fail(HeadMismatch, "the bundle has no events but its manifest states a head hash or seq range");
            }

            if (m.HeadHash != c.Head.ToHex())
            {
                return AuditVerdict.Fail(HeadMismatch,
                    $"head hash mismatch: the last event's hash is {c.Head.ToHex()}, the manifest's headHash is {m.HeadHash}", c.LastSeq);
            }

            var first = c.FirstSeq.ToString(CultureInfo.InvariantCulture);
            var last = c.LastSeq.ToString(CultureInfo.InvariantCulture);
            return m.FirstSeq == first && m.LastSeq == last
                ? null
                : AuditVerdict.Fail(SeqMismatch,
                    $"the events run from seq {first} to {last}, the manifest states firstSeq {m.FirstSeq} and lastSeq {m.LastSeq}");
        }

        private AuditVerdict WithKey(AuditVerdict verdict) =>
            verdict with { KeyFingerprint = _fingerprint, EventCount = _checker?.Count ?? 0 };

        public void Dispose()
        {
            _checker?.Dispose();
            _rows.Dispose();
        }
    }

    /// <summary>The longest single value (a row, the manifest) a bundle may have, as the stream path's buffer allows.</summary>
    private const int MaxValueBytes = 64 * 1024 * 1024;

    private sealed class VerdictException(AuditVerdict verdict) : Exception(verdict.Reason)
    {
        public AuditVerdict Verdict { get; } = verdict;
    }
}
