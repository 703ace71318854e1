using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// The directory fsync that makes a new log's name durable. A power loss cannot be staged in a test, so these check
/// that the call really reaches the directory (it succeeds on a real one and reports a missing one) rather than
/// silently doing nothing.
/// </summary>
public sealed class DirectorySyncTests
{
    [Fact]
    public void Syncing_the_directory_of_a_new_file_succeeds()
    {
        var directory = Directory.CreateTempSubdirectory("mc-dirsync-");
        var file = Path.Combine(directory.FullName, "audit.jsonl");
        File.WriteAllText(file, "");

        DirectorySync.SyncParentOf(file);
    }

    [Fact]
    public void A_directory_that_cannot_be_opened_is_an_IOException_naming_it()
    {
        if (OperatingSystem.IsWindows()) return; // nothing is synced there, by design (see DirectorySync)
        var missing = Path.Combine(Path.GetTempPath(), $"mc-missing-{Guid.NewGuid():N}", "audit.jsonl");

        var error = Assert.Throws<IOException>(() => DirectorySync.SyncParentOf(missing));
        Assert.Contains("open(", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.GetDirectoryName(missing)!, error.Message, StringComparison.Ordinal);
    }
}
