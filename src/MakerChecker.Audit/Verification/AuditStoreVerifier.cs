using System.Runtime.ExceptionServices;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Audit.Verification;

/// <summary>
/// Verifies a live store (any <see cref="IAuditStore"/>) with the same chain checks as a full bundle: every
/// event's hash is recomputed, the chain must start at the genesis of the store's instance and link without gaps.
/// </summary>
public static class AuditStoreVerifier
{
    /// <summary>Reads the whole store and returns the verdict.</summary>
    /// <param name="store">The store to verify.</param>
    /// <param name="cancellationToken">Stops the verification.</param>
    /// <returns>The verdict; <see cref="AuditVerdict.KeyFingerprint"/> is null (a store is not signed).</returns>
    public static async Task<AuditVerdict> VerifyAsync(IAuditStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return RowSourceOf(store) is { } rows
            ? await VerifyRowsAsync(rows, store.InstanceId, cancellationToken).ConfigureAwait(false)
            : await VerifyDecodedAsync(store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The built-in store that keeps the log, which can hand over its rows as stored; null for a store written elsewhere.</summary>
    internal static IStoredRowSource? RowSourceOf(IAuditStore store) => store switch
    {
        IStoredRowSource rows => rows,
        CheckpointedAuditStore checkpointed => RowSourceOf(checkpointed.Inner),
        _ => null,
    };

    /// <summary>
    /// The fast path for built-in stores: the rows the store keeps go straight to the bundle verifier's row parser,
    /// with no <see cref="AuditEvent"/> decoded or re-encoded. A row the store's <c>ReadAsync</c> would refuse is
    /// refused with the same exception, so the verdict (or exception) is the one <see cref="VerifyDecodedAsync"/> gives.
    /// </summary>
    internal static async Task<AuditVerdict> VerifyRowsAsync(IStoredRowSource source, string instanceId, CancellationToken cancellationToken)
    {
        using var run = new RowVerification(source, instanceId);
        return await run.RunAsync(Environment.ProcessorCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The path for any other store: each event as <see cref="IAuditStore.ReadAsync"/> decodes it, encoded back into
    /// its row, so that it is checked by exactly the code that checks bundles.
    /// </summary>
    internal static async Task<AuditVerdict> VerifyDecodedAsync(IAuditStore store, CancellationToken cancellationToken)
    {
        using var parser = new EventRowParser();
        using var checker = ChainChecker.ForFullLog(store.InstanceId);
        using var row = new ByteBuffer();
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (Reencode(e, parser, row, checker) is { } failure)
            {
                return failure;
            }
        }

        return Conclude(checker);
    }

    /// <summary>Checks one decoded event through its re-encoded row; returns the verdict when the event cannot be encoded.</summary>
    private static AuditVerdict? Reencode(AuditEvent e, EventRowParser parser, ByteBuffer row, ChainChecker checker)
    {
        ParsedRow parsed;
        try
        {
            row.Clear();
            StoredEvent.From(e).WriteRow(row);
            parsed = parser.Parse(row.WrittenSpan);
        }
        catch (CanonicalJsonException ex)
        {
            return AuditVerdict.Fail(ex.ReasonCode, $"event seq {e.Seq}: {ex.Message}", e.Seq) with { EventCount = checker.Count };
        }
        catch (FormatException ex)
        {
            return AuditVerdict.Fail(AuditReasonCodes.MalformedEvent, ex.Message, e.Seq) with { EventCount = checker.Count };
        }

        checker.Add(parsed);
        return null;
    }

    private static AuditVerdict Conclude(ChainChecker checker)
    {
        var failure = checker.HashFailure ?? checker.LinkFailure
            ?? (checker.Count == 0 ? AuditVerdict.Fail(AuditReasonCodes.GenesisMismatch, "the store holds no events, not even its genesis") : null);
        return (failure ?? new AuditVerdict { IsValid = true }) with { EventCount = checker.Count };
    }

    /// <summary>
    /// One row-path verification: the store's rows are parsed and hashed on all cores (the bundle verifier's pipeline),
    /// then checked in storage order exactly as the sequential decoding path checks them, so that the verdict, or the
    /// exception, is the same whatever the parallelism.
    /// </summary>
    private sealed class RowVerification(IStoredRowSource source, string instanceId) : IDisposable
    {
        private readonly ChainChecker _checker = ChainChecker.ForFullLog(instanceId);
        private readonly EventRowParser _parser = new(); // for the rare actor that needs the decoding round trip
        private readonly ByteBuffer _reencoded = new();
        private AuditVerdict? _stopped;

        public async Task<AuditVerdict> RunAsync(int parallelism, CancellationToken cancellationToken)
        {
            using var rows = new RowHashingPipeline(parallelism, () => new EventRowParser(), () => false, checkActors: true);
            try
            {
                ExceptionDispatchInfo? readFailure = null;
                try
                {
                    await foreach (var row in source.ReadRowsAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (rows.Add(row.Bytes.Span, row.Position))
                        {
                            await rows.PumpAsync(final: false, Consume, cancellationToken).ConfigureAwait(false);
                            if (_stopped is not null)
                            {
                                break;
                            }
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The sequential path would first have met the rows already read: check them, then fail as it would.
                    readFailure = ExceptionDispatchInfo.Capture(ex);
                }

                rows.Seal();
                await rows.PumpAsync(final: true, Consume, cancellationToken).ConfigureAwait(false);
                if (_stopped is null)
                {
                    readFailure?.Throw();
                }

                return _stopped ?? Conclude(_checker);
            }
            finally
            {
                await rows.DrainAsync().ConfigureAwait(false);
            }
        }

        /// <summary>Runs in order on the reading thread: what the sequential path does for each row, in the same order.</summary>
        private void Consume(RowBatch batch)
        {
            for (var i = 0; i < batch.Count && _stopped is null; i++)
            {
                var row = new StoredRow(batch.Row(i), batch.Tag(i));
                if (i == batch.ErrorIndex)
                {
                    throw source.UnreadableRow(row, batch.Error!);
                }

                ref readonly var parsed = ref batch.Results[i];
                if (source.RefusesHashMismatchOnRead && !parsed.ComputedHash.Equals(parsed.Hash))
                {
                    throw source.UnreadableRow(row, EventRowParser.HashMismatchOnRead(parsed.Seq));
                }

                if (!batch.ActorIsEncodable(i))
                {
                    // Rare, and only in an altered store: an actor AuditEvent cannot hold unchanged. Checked as the
                    // decoding path checks it (the round trip changes it, or ReadAsync's decoding throws), for the same verdict.
                    var decoded = _parser.ParseStored(row.Bytes.Span, verifyHash: false).ToAuditEvent();
                    _stopped = Reencode(decoded, _parser, _reencoded, _checker);
                    continue;
                }

                _checker.Add(parsed);
            }
        }

        public void Dispose()
        {
            _checker.Dispose();
            _parser.Dispose();
            _reencoded.Dispose();
        }
    }
}
