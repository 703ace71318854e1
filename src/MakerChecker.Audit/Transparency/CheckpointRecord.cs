namespace MakerChecker.Audit.Transparency;

/// <summary>One entry of a <see cref="CheckpointHistory"/>: a signed checkpoint and the proof that it extends the one before.</summary>
public sealed class CheckpointRecord
{
    internal CheckpointRecord(SignedCheckpoint checkpoint, IReadOnlyList<MerkleHash> consistencyFromPrevious)
    {
        Checkpoint = checkpoint;
        ConsistencyFromPrevious = consistencyFromPrevious;
    }

    /// <summary>The signed checkpoint.</summary>
    public SignedCheckpoint Checkpoint { get; }

    /// <summary>The RFC 9162 consistency proof from the previous checkpoint's size to this one's; empty for the first.</summary>
    public IReadOnlyList<MerkleHash> ConsistencyFromPrevious { get; }
}
