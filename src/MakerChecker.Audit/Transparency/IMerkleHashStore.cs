namespace MakerChecker.Audit.Transparency;

/// <summary>
/// The append-only sequence of hashes behind a <see cref="MerkleTree"/>: leaf hashes interleaved with the hashes of
/// completed subtrees, in the order the tree appends them. Implement it to keep the hashes somewhere other than memory
/// or a local file; <see cref="MemoryMerkleHashStore"/> and <see cref="FileMerkleHashStore"/> are provided.
/// </summary>
/// <remarks>
/// The hashes are derived data: a store can always rebuild them from the log's events. A tree reads them back only by
/// position, so a store needs no other index.
/// </remarks>
public interface IMerkleHashStore
{
    /// <summary>The number of hashes stored.</summary>
    long Count { get; }

    /// <summary>Reads the hashes at <paramref name="indexes"/> into <paramref name="hashes"/>, in the same order.</summary>
    /// <param name="indexes">Positions, each less than <see cref="Count"/>; the tree passes them in ascending order.</param>
    /// <param name="hashes">Receives one hash per index.</param>
    void Read(ReadOnlySpan<long> indexes, Span<MerkleHash> hashes);

    /// <summary>Appends <paramref name="hashes"/> at the end, as one unit where the medium allows.</summary>
    /// <param name="hashes">The hashes to append.</param>
    void Append(ReadOnlySpan<MerkleHash> hashes);
}
