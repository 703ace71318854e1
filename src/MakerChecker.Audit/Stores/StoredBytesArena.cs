namespace MakerChecker.Audit.Stores;

/// <summary>
/// The bytes of the events an <see cref="InMemoryAuditStore"/> keeps, copied into blocks of native memory
/// (<see cref="NativeBlock"/>): the garbage collector never copies them and has nothing in them to trace, where one array
/// per field of every event was promoted and copied twice (Gen0 to Gen1 to Gen2). A field is found again by its place, a
/// number (block, offset, length) that holds no reference (<see cref="Place"/>). Blocks grow from
/// <see cref="FirstBlockBytes"/> to <see cref="BlockBytes"/>, so that a store of a few events stays small. Bytes once
/// written are never changed, and nothing outside this class holds a pointer into a block. Not thread-safe: the store
/// calls it under its lock.
/// </summary>
internal sealed unsafe class StoredBytesArena
{
    /// <summary>The first block's size.</summary>
    public const int FirstBlockBytes = 4096;

    /// <summary>The largest block's size, unless one field is larger (a payload of at most 1 MiB fits one).</summary>
    public const int BlockBytes = 1 << 20;

    private const int LengthBits = 21;
    private const int OffsetBits = 21;
    private const int MaxLength = (1 << LengthBits) - 1;
    private const int MaxBlocks = 1 << (64 - LengthBits - OffsetBits);

    private NativeBlock[] _blocks = new NativeBlock[4];
    private int _last = -1;
    private int _used;

    /// <summary>Copies <paramref name="bytes"/> after the last bytes written (into a new block when they do not fit).</summary>
    public ulong Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes.Length, $"A field of an in-memory event is at most {MaxLength} bytes.");
        }

        if (_last < 0 || bytes.Length > _blocks[_last].Length - _used) AddBlock(bytes.Length);
        var block = _blocks[_last];
        bytes.CopyTo(new Span<byte>(block.Pointer + _used, bytes.Length));
        GC.KeepAlive(block);
        var place = Place.Of(_last, _used, bytes.Length);
        _used += bytes.Length;
        return place;
    }

    /// <summary>A copy of the bytes at <paramref name="place"/> (what <see cref="Write"/> answered).</summary>
    public byte[] ToArray(ulong place)
    {
        var block = _blocks[Place.Block(place)];
        var bytes = new ReadOnlySpan<byte>(block.Pointer + Place.Offset(place), Place.Length(place)).ToArray();
        GC.KeepAlive(block);
        return bytes;
    }

    /// <summary>Whether the bytes at <paramref name="place"/> are <paramref name="bytes"/>.</summary>
    public bool Holds(ulong place, ReadOnlySpan<byte> bytes)
    {
        if (Place.Length(place) != bytes.Length) return false;
        var block = _blocks[Place.Block(place)];
        var equal = new ReadOnlySpan<byte>(block.Pointer + Place.Offset(place), bytes.Length).SequenceEqual(bytes);
        GC.KeepAlive(block);
        return equal;
    }

    private void AddBlock(int atLeast)
    {
        if (_last + 1 == MaxBlocks) throw new InvalidOperationException($"The in-memory audit store holds {MaxBlocks} blocks of events, all it can.");
        if (_last + 1 == _blocks.Length) Array.Resize(ref _blocks, _blocks.Length * 2); // references to blocks only
        var size = _last < 0 ? FirstBlockBytes : Math.Min(BlockBytes, _blocks[_last].Length * 2);
        var block = new NativeBlock(Math.Max(size, atLeast)); // first: if it cannot be had, the arena stays as it was
        _blocks[++_last] = block;
        _used = 0;
    }

    /// <summary>Where a field's bytes are: block, offset and length packed in 64 bits (22, 21 and 21).</summary>
    public static class Place
    {
        public static ulong Of(int block, int offset, int length) =>
            ((ulong)block << (OffsetBits + LengthBits)) | ((ulong)offset << LengthBits) | (uint)length;

        public static int Block(ulong place) => (int)(place >> (OffsetBits + LengthBits));

        public static int Offset(ulong place) => (int)(place >> LengthBits) & ((1 << OffsetBits) - 1);

        public static int Length(ulong place) => (int)place & MaxLength;
    }
}
