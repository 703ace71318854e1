using System.Runtime.InteropServices;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Makes a newly created (or renamed) file's directory entry durable. On Linux and other Unix systems, an fsync of a
/// file makes its contents durable but not the entry that names it: after a power loss a freshly created log could
/// vanish with every event that had been acknowledged in it. POSIX asks for an fsync of the directory too, which .NET
/// has no API for (it refuses to open directories), hence the two libc calls here. On Windows, NTFS journals the
/// directory entry with the file's metadata when the file is flushed, so there is nothing to do.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY

    /// <summary>Fsyncs the directory that holds <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The directory could not be opened or synced; the caller must not acknowledge anything stored in the file.</exception>
    public static void SyncParentOf(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var fd = Open(directory, ReadOnly);
        if (fd < 0) throw Failure("open", directory);
        try
        {
            if (Fsync(fd) != 0) throw Failure("fsync", directory);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string call, string directory) =>
        new($"Could not make the directory entry durable: {call}(\"{directory}\") failed with errno {Marshal.GetLastPInvokeError()} " +
            $"({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
