using System.Runtime.InteropServices;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// A block of native memory that the in-memory store keeps its events in (<see cref="StoredBytesArena"/>,
/// <see cref="StoredEventLog"/>): the garbage collector neither traces nor copies it, and it is not counted as an
/// allocation of the thread that fills it. Freed when the block is no longer reachable (the finalizer of a
/// <see cref="SafeHandle"/>), never while its store is: reads after the store is disposed still work, as they always did.
/// The collector is told of the memory (<see cref="GC.AddMemoryPressure"/>), so that a dropped store is collected in time.
/// Whoever reads or writes through <see cref="Pointer"/> calls <see cref="GC.KeepAlive"/> on the block afterwards.
/// </summary>
internal sealed unsafe class NativeBlock : SafeHandle
{
    public NativeBlock(int length)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        SetHandle((IntPtr)NativeMemory.Alloc((nuint)length));
        Length = length;
        GC.AddMemoryPressure(length);
    }

    /// <summary>How many bytes the block holds.</summary>
    public int Length { get; }

    /// <summary>The first byte; valid while the block is reachable.</summary>
    public byte* Pointer => (byte*)handle;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        GC.RemoveMemoryPressure(Length);
        return true;
    }
}
