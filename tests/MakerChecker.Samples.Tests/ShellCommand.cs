using System.Diagnostics;

namespace MakerChecker.Samples.Tests;

/// <summary>Runs one printed command line with bash from the repository root, as a reader would paste it.</summary>
internal static class ShellCommand
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The exit code and everything the command wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string commandLine)
    {
        var start = new ProcessStartInfo("bash", ["-c", commandLine])
        {
            WorkingDirectory = RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // The test host's MSBuild settings must not leak into a nested 'dotnet run'; the reader's shell has none of them.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "DOTNET_HOST_PATH" }) start.Environment.Remove(name);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10)); // a hang fails the test, it does not stall the suite
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MakerChecker.Sdk.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        return root;
    }
}
