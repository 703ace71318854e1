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
public static partial class BundleVerifier
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
    private sealed partial class Verification : BundleScanner.ISink, IDisposable
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
