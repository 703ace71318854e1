namespace MakerChecker.Audit.Transparency;

/// <summary>An <see cref="IMerkleHashStore"/> in memory: for tests, for verifying a bundle, and for short-lived logs.</summary>
public sealed class MemoryMerkleHashStore : IMerkleHashStore
{
    private readonly List<MerkleHash> _hashes = [];

    /// <inheritdoc/>
    public long Count => _hashes.Count;

    /// <inheritdoc/>
    public void Read(ReadOnlySpan<long> indexes, Span<MerkleHash> hashes)
    {
        if (hashes.Length < indexes.Length)
        {
            throw new ArgumentException($"{indexes.Length} indexes need room for as many hashes, not {hashes.Length}.", nameof(hashes));
        }

        for (var i = 0; i < indexes.Length; i++)
        {
            var index = indexes[i];
            if (index < 0 || index >= _hashes.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indexes), index, $"Hash {index} is not stored; the store holds {_hashes.Count}.");
            }

            hashes[i] = _hashes[(int)index];
        }
    }

    /// <inheritdoc/>
    public void Append(ReadOnlySpan<MerkleHash> hashes) => _hashes.AddRange(hashes);

    /// <summary>Drops every hash from <paramref name="count"/> on, to re-append them from the log.</summary>
    internal void Truncate(long count) => _hashes.RemoveRange((int)count, _hashes.Count - (int)count);
}
