using System.Buffers;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// A growable byte buffer whose written bytes can be rewritten in place, which object-member sorting needs.
/// Its array comes from the shared pool; call <see cref="Dispose"/> to return it.
/// </summary>
internal sealed class ByteBuffer : IDisposable
{
    private byte[] _array;

    public ByteBuffer(int initialCapacity = 1024) => _array = ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>How many bytes the buffer holds without growing.</summary>
    public int Capacity => _array.Length;

    /// <summary>How many bytes have been written.</summary>
    public int Length { get; set; }

    /// <summary>The written bytes.</summary>
    public Span<byte> WrittenSpan => _array.AsSpan(0, Length);

    /// <summary>The written bytes, as memory.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, Length);

    public void Clear() => Length = 0;

    public void Write(byte value)
    {
        if (Length == _array.Length)
        {
            Grow(1);
        }

        _array[Length++] = value;
    }

    public void Write(ReadOnlySpan<byte> value)
    {
        if (_array.Length - Length < value.Length)
        {
            Grow(value.Length);
        }

        value.CopyTo(_array.AsSpan(Length));
        Length += value.Length;
    }

    /// <summary>Returns a span of at least <paramref name="size"/> free bytes; call <see cref="Advance"/> after filling it.</summary>
    public Span<byte> GetSpan(int size)
    {
        if (_array.Length - Length < size)
        {
            Grow(size);
        }

        return _array.AsSpan(Length);
    }

    public void Advance(int count) => Length += count;

    public byte[] ToArray() => WrittenSpan.ToArray();

    private void Grow(int needed)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, Length + needed));
        _array.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Length = 0;
    }
}
