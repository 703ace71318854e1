using System.Diagnostics;

namespace MakerChecker.Cli.Tests;

/// <summary>The command line as a whole: the program's name in help and usage, and unknown commands.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_names_the_program_makerchecker_whatever_the_host()
    {
        // Under the test runner the executable is testhost; a RootCommand would call itself that.
        var (exit, output, _) = await CliRunner.RunAsync("--help");

        Assert.Equal(0, exit);
        Assert.Contains("Usage:\n  makerchecker [command] [options]", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("testhost", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Subcommand_help_names_the_program_makerchecker()
    {
        var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("makerchecker audit verify <PATH> [options]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_names_the_program_makerchecker_when_started_as_dotnet_MakerChecker_Cli_dll()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--help");
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("  makerchecker [command] [options]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("MakerChecker.Cli", output, StringComparison.Ordinal);
    }
}
