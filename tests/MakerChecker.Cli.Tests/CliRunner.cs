namespace MakerChecker.Cli.Tests;

/// <summary>Runs the tool through its real entry point with captured output.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApplication.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string Policy(string name) => Path.Combine(AppContext.BaseDirectory, "policies", name);

    public static string TempFile(string contents, string extension = ".yaml")
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-cli-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, contents);
        return path;
    }
}
