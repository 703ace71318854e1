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
        using var parser = new EventRowParser();
        using var checker = ChainChecker.ForFullLog(instanceId);
        using var reencoded = new ByteBuffer();
        await foreach (var row in source.ReadRowsAsync(cancellationToken).ConfigureAwait(false))
        {
            var bytes = row.Bytes.Span;
            ParsedRow parsed;
            try
            {
                parsed = parser.Parse(bytes);
            }
            catch (CanonicalJsonException ex)
            {
                throw source.UnreadableRow(row, ex);
            }

            if (source.RefusesHashMismatchOnRead && !parsed.ComputedHash.Equals(parsed.Hash))
            {
                throw source.UnreadableRow(row, EventRowParser.HashMismatchOnRead(parsed.Seq));
            }

            if (!StoredEvent.IsEncodableActor(parser.LastActor(bytes)))
            {
                // Rare, and only in an altered store: an actor AuditEvent cannot hold unchanged. Checked as the
                // decoding path checks it (the round trip changes it, or ReadAsync's decoding throws), for the same verdict.
                var decoded = parser.ParseStored(bytes, verifyHash: false).ToAuditEvent();
                if (Reencode(decoded, parser, reencoded, checker) is { } failure)
                {
                    return failure;
                }

                continue;
            }

            checker.Add(parsed);
        }

        return Conclude(checker);
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
}
