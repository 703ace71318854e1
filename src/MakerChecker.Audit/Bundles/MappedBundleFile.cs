using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// A bundle file read through a memory map, window by window, so that its rows reach the hashing workers without being
/// copied (no <c>read()</c> from the page cache into a buffer, no copy of each row into its batch). Linux only, and only
/// while this process holds a read lease on the file.
/// </summary>
/// <remarks>
/// <para>
/// A mapped file that is truncated under the reader kills the process with SIGBUS (in .NET, a fatal
/// <see cref="AccessViolationException"/>), where <c>read()</c> would just return fewer bytes. The lease
/// (<c>fcntl(F_SETLEASE, F_RDLCK)</c>) rules that out: the kernel grants it only while no one has the file open for
/// writing, and whoever then opens it for writing or truncates it is blocked until the lease is released or
/// <c>/proc/sys/fs/lease-break-time</c> (45 s by default) has passed. The reader asks <see cref="IsLeaseBroken"/> before
/// each window; once a writer is waiting, it stops touching the map, waits for the rows already handed out, unmaps and
/// releases the lease, and reads the rest with <c>read()</c>, exactly as the stream path would have. No signal is asked
/// for (the lease's owner is cleared), so a writer never interrupts the process.
/// </para>
/// <para>
/// Where the lease cannot be had (another user's file, a file open for writing, a file system without leases, leases
/// disabled), <see cref="TryOpen"/> returns <see langword="null"/> and the caller reads the file as a stream.
/// </para>
/// <para>
/// Peak RSS: the pages of a mapped window count in the process's resident set while it is mapped (they are clean page
/// cache, shared with every other reader of the file). Windows are small and unmapped as soon as the rows in them have
/// been checked, so the resident set stays independent of the file's size.
/// </para>
/// </remarks>
internal sealed partial class MappedBundleFile : IDisposable
{
    /// <summary>The usual window: small, so that few mapped pages are resident at once.</summary>
    public const int WindowBytes = 4 * 1024 * 1024;

    /// <summary>A writer must wait at least this long for the lease before the kernel breaks it (seconds).</summary>
    private const int MinimumLeaseBreakSeconds = 5;

    private const int SetLease = 1024; // F_SETLEASE
    private const int GetLease = 1025; // F_GETLEASE
    private const int SetOwner = 8; // F_SETOWN
    private const int ReadLease = 0; // F_RDLCK
    private const int NoLease = 2; // F_UNLCK

    private readonly FileStream _file;
    private readonly int _fd;
    private readonly MemoryMappedFile _map;

    private MappedBundleFile(FileStream file, int fd, MemoryMappedFile map, long length)
    {
        _file = file;
        _fd = fd;
        _map = map;
        Length = length;
    }

    /// <summary>The file's length when the lease was taken: it cannot change while the lease holds.</summary>
    public long Length { get; }

    /// <summary>
    /// Takes a read lease on <paramref name="file"/> and maps it, or returns <see langword="null"/> when the file should
    /// be read as a stream (not Linux, not a regular file, empty, or no lease to be had). The file stays open and owned
    /// by the caller; dispose the result before it.
    /// </summary>
    public static MappedBundleFile? TryOpen(FileStream file)
    {
        if (!OperatingSystem.IsLinux() || !file.CanSeek || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)
            || LeaseBreakSeconds() < MinimumLeaseBreakSeconds)
        {
            return null;
        }

        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        if (Fcntl(fd, SetLease, ReadLease) != 0)
        {
            return null;
        }

        // The lease is held from here: no one can write or truncate the file until it is released. Clear the owner so
        // that a lease break sends no SIGIO (whose default action ends the process): the reader polls for it instead.
        MemoryMappedFile? map = null;
        try
        {
            var length = file.Length;
            if (Fcntl(fd, SetOwner, 0) != 0 || length == 0)
            {
                ReleaseLease(fd);
                return null;
            }

            map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            return new MappedBundleFile(file, fd, map, length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            map?.Dispose();
            ReleaseLease(fd);
            return null;
        }
    }

    /// <summary>Whether someone is waiting to write or truncate the file: stop reading the map, and release it soon.</summary>
    public bool IsLeaseBroken => Fcntl(_fd, GetLease, 0) != ReadLease;

    /// <summary>Maps <paramref name="length"/> bytes from <paramref name="offset"/>; dispose the window when no row in it is needed any more.</summary>
    public Window Map(long offset, int length) => new(_map.CreateViewAccessor(offset, length, MemoryMappedFileAccess.Read), length);

    /// <summary>Unmaps the file and releases the lease; the file itself stays open, at the position it had.</summary>
    public void Dispose()
    {
        _map.Dispose();
        if (!_file.SafeFileHandle.IsClosed)
        {
            ReleaseLease(_fd);
        }
    }

    private static void ReleaseLease(int fd) => _ = Fcntl(fd, SetLease, NoLease);

    private static int LeaseBreakSeconds()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/fs/lease-break-time").Trim(), out var seconds) ? seconds : 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>One mapped window of the file, as memory the row batches can reference in place.</summary>
    public sealed unsafe class Window : MemoryManager<byte>
    {
        private readonly MemoryMappedViewAccessor _view;
        private readonly byte* _start;
        private readonly int _length;
        private bool _disposed;

        internal Window(MemoryMappedViewAccessor view, int length)
        {
            _view = view;
            _length = length;
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _start = pointer + view.PointerOffset;
        }

        public override Span<byte> GetSpan() => new(_start, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (!_disposed)
            {
                _disposed = true;
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
        }
    }
}

/// <summary>For tests: whether a bundle file may be mapped, whether it was, and hooks into the mapped reading.</summary>
internal sealed class MappedReading
{
    /// <summary>False to read the file as a stream even where it could be mapped.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The usual size of a mapped window (a smaller one makes a small bundle take many).</summary>
    public int WindowBytes { get; init; } = MappedBundleFile.WindowBytes;

    /// <summary>How many bytes of rows fill a hashing batch; the scan pauses after each (fewer: a pause every row or few).</summary>
    public int BatchBytes { get; init; } = RowHashingPipeline.BatchBytes;

    /// <summary>Set by the verifier: whether the file was read through a map (from its start).</summary>
    public bool WasMapped { get; set; }

    /// <summary>Called on the reading thread before each window is mapped, with the window's index.</summary>
    public Func<int, MappedBundleFile, ValueTask>? BeforeWindow { get; init; }

    /// <summary>Called after a broken lease made the verifier unmap the file and release the lease, before it reads on.</summary>
    public Func<ValueTask>? AfterLeaseReleased { get; init; }
}
