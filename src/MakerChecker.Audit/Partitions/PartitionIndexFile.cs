using System.Text;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Partitions;

/// <summary>
/// The file that holds a partitioned log's latest signed index, exactly the note text. Replaced whole and atomically (a
/// temporary file, fsync, rename, fsync of the directory), so a crash leaves the previous index or the new one, never a mix.
/// </summary>
internal static class PartitionIndexFile
{
    /// <summary>The note text, or <see langword="null"/> when there is no index file.</summary>
    public static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path, new UTF8Encoding(false, true)) : null;

    public static void Write(string path, string noteText)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(noteText));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.SyncParentOf(path);
    }
}
