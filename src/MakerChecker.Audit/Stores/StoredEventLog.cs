using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// The events an <see cref="InMemoryAuditStore"/> keeps, in seq order, in chunks of <see cref="ChunkSize"/> that are never
/// copied: growing the log allocates one chunk per <see cref="ChunkSize"/> events (and, rarely, a larger directory of chunk
/// references), never a copy of the events already kept. A <see cref="List{T}"/> doubles its array instead, so a log of
/// millions of events re-copied millions of references at each doubling, and one append paid for all of them. Not
/// thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class StoredEventLog
{
    /// <summary>Events per chunk: a chunk's array (8 bytes a reference) stays under the large object heap's 85,000 bytes.</summary>
    public const int ChunkSize = 4096;

    private StoredEvent[][] _chunks = new StoredEvent[4][];

    /// <summary>How many events are kept.</summary>
    public int Count { get; private set; }

    /// <summary>The event at <paramref name="index"/> (seq <paramref name="index"/> + 1).</summary>
    public StoredEvent this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _chunks[index / ChunkSize][index % ChunkSize];
        }
    }

    /// <summary>Keeps <paramref name="stored"/> after the last event.</summary>
    public void Add(StoredEvent stored)
    {
        var chunk = Count / ChunkSize;
        if (chunk == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2); // references to chunks only
        (_chunks[chunk] ??= new StoredEvent[ChunkSize])[Count % ChunkSize] = stored;
        Count++;
    }
}
