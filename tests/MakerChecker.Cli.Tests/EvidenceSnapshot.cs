using System.Security.Cryptography;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// Every file in an evidence directory with the SHA-256 of its bytes: taken before and after an inspection command,
/// the two must be equal (no file changed, none created, no <c>.lock</c>, none removed).
/// </summary>
internal static class EvidenceSnapshot
{
    public static SortedDictionary<string, string> Take(string directory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(directory, file)] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return files;
    }

    public static void AssertUnchanged(SortedDictionary<string, string> before, string directory)
    {
        var after = Take(directory);
        Assert.Equal(before.Keys, after.Keys);
        Assert.Equal(before, after);
    }

    /// <summary>No .NET stack trace leaked to the user.</summary>
    public static void AssertNoStackTrace(string error) => Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
}
