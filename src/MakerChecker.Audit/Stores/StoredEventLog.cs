using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// The events an <see cref="InMemoryAuditStore"/> keeps, in seq order, without keeping them as objects: each event's fields
/// are copied into a <see cref="StoredBytesArena"/>, and the log keeps, per event, its seq, hashes and where its fields are (a
/// 136-byte value with no references) in native blocks of its own: the first of <see cref="FirstChunkSize"/> events, each
/// next one twice as large up to <see cref="ChunkSize"/>. So the events kept cost the garbage collector nothing to trace
/// or copy, where a <see cref="StoredEvent"/> and its arrays per event were promoted and copied twice, and growing the
/// log never copies what is kept. A <see cref="StoredEvent"/> is made again, with the same bytes, when an event is read.
/// Whatever is added is kept as it is (seq and hashes included, chained or not), as a list would keep it. Not thread-safe:
/// the store calls it under its lock.
/// </summary>
internal sealed unsafe class StoredEventLog
{
    /// <summary>Events in the index's first chunk.</summary>
    public const int FirstChunkSize = 64;

    /// <summary>Events in each of the index's chunks once it has grown: 4,096 of 136 bytes.</summary>
    public const int ChunkSize = 4096;

    private const int GrowingChunks = 7; // 64, 128, ..., 4096
    private const int InGrowingChunks = FirstChunkSize * ((1 << GrowingChunks) - 1); // 8,128 events

    // The fields an event's short, often repeated values are in (occurredAt to runId): each is compared with the last
    // RecentPerField distinct values of that field, and an equal one is not written again (a decision and its outcome share
    // their occurredAt, actor and entity id; a log has few event and entity types).
    private const int FirstShared = 1;
    private const int SharedFields = 6;
    private const int RecentPerField = 4;
    private const int MaxSharedBytes = 256;

    private readonly StoredBytesArena _bytes = new();
    private NativeBlock[] _chunks = new NativeBlock[8];
    private RecentPlaces _recent;
    private SharedFieldCursors _next;

    /// <summary>How many events are kept.</summary>
    public int Count { get; private set; }

    /// <summary>The event at <paramref name="index"/> (the store's seq <paramref name="index"/> + 1), made from the bytes kept.</summary>
    public StoredEvent this[int index]
    {
        get
        {
            var e = At(index);
            return new StoredEvent
            {
                Seq = e.Seq,
                Id = Bytes(e.Fields[0]),
                OccurredAt = Bytes(e.Fields[1]),
                Actor = Bytes(e.Fields[2]),
                EventType = Bytes(e.Fields[3]),
                EntityType = Bytes(e.Fields[4]),
                EntityId = Bytes(e.Fields[5]),
                RunId = Bytes(e.Fields[6]),
                Payload = Bytes(e.Fields[7]),
                PrevHash = e.PrevHash,
                Hash = e.Hash,
            };
        }
    }

    /// <summary>The canonical actor of the event at <paramref name="index"/>, as kept.</summary>
    public byte[] ActorAt(int index) => Bytes(At(index).Fields[2]);

    /// <summary>The canonical event type of the event at <paramref name="index"/>, as kept.</summary>
    public byte[] EventTypeAt(int index) => Bytes(At(index).Fields[3]);

    /// <summary>Keeps <paramref name="stored"/> after the last event.</summary>
    public void Add(StoredEvent stored)
    {
        var e = default(Entry);
        e.Seq = stored.Seq;
        e.PrevHash = stored.PrevHash;
        e.Hash = stored.Hash;
        e.Fields[0] = _bytes.Write(stored.Id);
        e.Fields[1] = Shared(1, stored.OccurredAt);
        e.Fields[2] = Shared(2, stored.Actor);
        e.Fields[3] = Shared(3, stored.EventType);
        e.Fields[4] = Shared(4, stored.EntityType);
        e.Fields[5] = Shared(5, stored.EntityId);
        e.Fields[6] = Shared(6, stored.RunId);
        e.Fields[7] = _bytes.Write(stored.Payload);
        var (chunk, slot) = Locate(Count);
        if (chunk == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2); // references to chunks only
        var block = _chunks[chunk] ??= new NativeBlock(ChunkLength(chunk) * sizeof(Entry));
        ((Entry*)block.Pointer)[slot] = e;
        GC.KeepAlive(block);
        Count++;
    }

    /// <summary>Where field <paramref name="field"/>'s bytes are: one of the field's recent places when they are equal, else new ones.</summary>
    private ulong Shared(int field, byte[] bytes)
    {
        var recent = ((Span<ulong>)_recent).Slice((field - FirstShared) * RecentPerField, RecentPerField);
        foreach (var place in recent)
        {
            if (place != 0 && _bytes.Holds(place, bytes)) return place;
        }

        var written = _bytes.Write(bytes);
        if (bytes.Length <= MaxSharedBytes && written != 0) // 0 marks an empty slot (block 0, offset 0, length 0)
        {
            ref var cursor = ref _next[field - FirstShared];
            recent[cursor] = written;
            cursor = (byte)((cursor + 1) % RecentPerField);
        }

        return written;
    }

    private byte[] Bytes(ulong place) => _bytes.ToArray(place);

    /// <summary>A copy of the entry of the event at <paramref name="index"/>.</summary>
    private Entry At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var (chunk, slot) = Locate(index);
        var block = _chunks[chunk];
        var e = ((Entry*)block.Pointer)[slot];
        GC.KeepAlive(block);
        return e;
    }

    /// <summary>The chunk of the index that the event at <paramref name="index"/> is in, and its slot there.</summary>
    internal static (int Chunk, int Slot) Locate(int index)
    {
        if (index >= InGrowingChunks) return (GrowingChunks + ((index - InGrowingChunks) / ChunkSize), (index - InGrowingChunks) % ChunkSize);
        var chunk = System.Numerics.BitOperations.Log2((uint)((index / FirstChunkSize) + 1)); // chunk k starts at 64 (2^k - 1)
        return (chunk, index - (FirstChunkSize * ((1 << chunk) - 1)));
    }

    private static int ChunkLength(int chunk) => chunk < GrowingChunks ? FirstChunkSize << chunk : ChunkSize;

    /// <summary>
    /// One event: its seq, hashes and where its eight fields are (id, occurredAt, actor, event type, entity type and id, run id,
    /// payload).
    /// </summary>
    private struct Entry
    {
        public long Seq;
        public Hash32 PrevHash;
        public Hash32 Hash;
        public FieldPlaces Fields;
    }

    [InlineArray(8)]
    private struct FieldPlaces
    {
        private ulong _first;
    }

    [InlineArray(SharedFields * RecentPerField)]
    private struct RecentPlaces
    {
        private ulong _first;
    }

    [InlineArray(SharedFields)]
    private struct SharedFieldCursors
    {
        private byte _first;
    }
}
