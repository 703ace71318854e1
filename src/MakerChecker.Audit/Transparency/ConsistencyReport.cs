namespace MakerChecker.Audit.Transparency;

/// <summary>Whether a log still extends an earlier checkpoint, and if not, how.</summary>
public sealed class ConsistencyReport
{
    private ConsistencyReport(string? reasonCode, string? failure, IReadOnlyList<MerkleHash> proof, long? firstDivergentLeaf)
    {
        ReasonCode = reasonCode;
        Failure = failure;
        Proof = proof;
        FirstDivergentLeaf = firstDivergentLeaf;
    }

    /// <summary>Whether the log extends the checkpoint (its first checkpoint-size events are the checkpointed ones).</summary>
    public bool Extends => Failure is null;

    /// <summary>
    /// <see cref="Verification.AuditReasonCodes.LogShorterThanCheckpoint"/> or <see cref="Verification.AuditReasonCodes.LogDivergesFromCheckpoint"/>;
    /// <see langword="null"/> when the log extends the checkpoint.
    /// </summary>
    public string? ReasonCode { get; }

    /// <summary>What is wrong, naming sizes, roots and, when known, the first divergent event by its seq (1-based).</summary>
    public string? Failure { get; }

    /// <summary>The RFC 9162 consistency proof from the checkpoint to the log's current size, when the log extends it.</summary>
    public IReadOnlyList<MerkleHash> Proof { get; }

    /// <summary>
    /// The 0-based leaf index (seq − 1) of the first event that differs from the checkpointed log (for a shortened log whose remaining events
    /// match, the first missing one). Known only when the earlier log's hashes were supplied.
    /// </summary>
    public long? FirstDivergentLeaf { get; }

    internal static ConsistencyReport Extending(IReadOnlyList<MerkleHash> proof) => new(null, null, proof, null);

    internal static ConsistencyReport Broken(string reasonCode, string failure, long? firstDivergentLeaf) => new(reasonCode, failure, [], firstDivergentLeaf);

    /// <inheritdoc/>
    public override string ToString() => Failure ?? "the log extends the checkpoint";
}
