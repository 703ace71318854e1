using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

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
        using var parser = new EventRowParser();
        using var checker = ChainChecker.ForFullLog(store.InstanceId);
        using var row = new ByteBuffer();
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            ParsedRow parsed;
            try
            {
                // Through the row form, so that a store is checked by exactly the code that checks bundles.
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
        }

        var failure = checker.HashFailure ?? checker.LinkFailure
            ?? (checker.Count == 0 ? AuditVerdict.Fail(AuditReasonCodes.GenesisMismatch, "the store holds no events, not even its genesis") : null);
        return (failure ?? new AuditVerdict { IsValid = true }) with { EventCount = checker.Count };
    }
}
