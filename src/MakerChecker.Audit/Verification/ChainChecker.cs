using MakerChecker.Audit.Events;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Verification;

/// <summary>
/// The sequential checks over a stream of events, in storage order: hash recomputation, linkage and order,
/// plus the figures a manifest is compared with (count, hash-set digest, head, first and last seq). Bundles and
/// live stores are verified through this one class. It keeps only the last event, so memory does not grow.
/// </summary>
internal sealed class ChainChecker : IDisposable
{
    private readonly EventHashesDigest _digest = new();
    private readonly string _instanceId;
    private readonly string? _runId;
    private Hash32 _previous;

    /// <summary>Checks a full, genesis-rooted log of <paramref name="instanceId"/>.</summary>
    public static ChainChecker ForFullLog(string instanceId) => new(instanceId, runId: null);

    /// <summary>Checks the events of one run: each belongs to <paramref name="runId"/>, in increasing seq order.</summary>
    public static ChainChecker ForRun(string instanceId, string runId) => new(instanceId, runId);

    /// <summary>
    /// Checks the last part of a full log, from a row whose predecessor is not read: every hash, and every link after the
    /// first row (a file store's open reads only the end of its file; docs/stores.md, "What opening checks").
    /// </summary>
    public static ChainChecker ForLogSuffix(string instanceId) => new(instanceId, runId: null) { _suffix = true };

    private bool _suffix;

    private ChainChecker(string instanceId, string? runId)
    {
        _instanceId = instanceId;
        _runId = runId;
    }

    public long Count { get; private set; }
    public long FirstSeq { get; private set; }
    public long LastSeq { get; private set; }
    public Hash32 Head => _previous;

    /// <summary>The first event whose stored hash differs from its recomputed hash.</summary>
    public AuditVerdict? HashFailure { get; private set; }

    /// <summary>The first linkage or ordering failure (genesis, prev_hash, seq, run membership).</summary>
    public AuditVerdict? LinkFailure { get; private set; }

    public void Add(in ParsedRow row)
    {
        Count++;
        _digest.Add(row.Hash);

        if (HashFailure is null && !row.ComputedHash.Equals(row.Hash))
        {
            HashFailure = AuditVerdict.Fail(HashMismatch,
                $"event seq {row.Seq}: hash mismatch (stored {row.Hash.ToHex()}, recomputed {row.ComputedHash.ToHex()})",
                row.Seq);
        }

        if (LinkFailure is null)
        {
            LinkFailure = _runId is null ? CheckFullLink(row) : CheckRunMembership(row);
        }

        if (Count == 1)
        {
            FirstSeq = row.Seq;
        }

        LastSeq = row.Seq;
        _previous = row.Hash;
    }

    /// <summary>Lowercase hex SHA-256 of the event hashes joined with <c>\n</c> (the manifest's eventHashesDigest).</summary>
    public string DigestHex() => _digest.Hex();

    private AuditVerdict? CheckFullLink(in ParsedRow row)
    {
        if (Count == 1 && _suffix)
        {
            return null; // its predecessor is before the part read
        }

        if (Count == 1)
        {
            var root = AuditEventHasher.GenesisRoot(_instanceId);
            if (!row.IsGenesis || row.GenesisInstanceId != _instanceId || !row.PrevHash.Equals(root))
            {
                return AuditVerdict.Fail(GenesisMismatch,
                    $"event seq {row.Seq}: the chain does not start with an audit.genesis event rooted in instance {_instanceId} " +
                    $"(prev_hash must be {root.ToHex()})",
                    row.Seq);
            }

            return null;
        }

        // audit-spec v1 §2: seq is storage order only and may have gaps (identity columns skip values when a
        // transaction aborts), so a verifier must not require it to count up by one. Completeness comes from the
        // prev_hash linkage below and the signed hash digest; seq only has to keep increasing.
        if (row.Seq <= LastSeq)
        {
            return AuditVerdict.Fail(SeqMismatch, $"event seq {row.Seq} follows seq {LastSeq}: seq must increase", row.Seq);
        }

        return row.PrevHash.Equals(_previous)
            ? null
            : AuditVerdict.Fail(BrokenChain,
                $"event seq {row.Seq}: broken chain: prev_hash {row.PrevHash.ToHex()} is not the previous event's hash {_previous.ToHex()}",
                row.Seq);
    }

    private AuditVerdict? CheckRunMembership(in ParsedRow row)
    {
        if (row.RunId != _runId)
        {
            return AuditVerdict.Fail(ForeignRunEvent,
                $"event seq {row.Seq} (run_id {row.RunId ?? "null"}) does not belong to run {_runId}", row.Seq);
        }

        return Count > 1 && row.Seq <= LastSeq
            ? AuditVerdict.Fail(SeqMismatch, $"event seq {row.Seq} follows seq {LastSeq}: seq must increase", row.Seq)
            : null;
    }

    public void Dispose() => _digest.Dispose();
}
