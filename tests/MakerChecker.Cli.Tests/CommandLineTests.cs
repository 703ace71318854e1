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

    [Theory]
    [InlineData(new[] { "polcy", "lint", "x.yaml" }, "error: 'polcy' is not a makerchecker command; did you mean 'policy'? Run 'makerchecker --help' for usage.")]
    [InlineData(new[] { "audit", "verfy", "x.jsonl" },
        "error: 'verfy' is not a makerchecker audit command; did you mean 'verify'? Run 'makerchecker --help' for usage.")]
    [InlineData(new[] { "audit", "consistancy" },
        "error: 'consistancy' is not a makerchecker audit command; did you mean 'consistency'? Run 'makerchecker --help' for usage.")]
    [InlineData(new[] { "review", "reprot" },
        "error: 'reprot' is not a makerchecker review command; did you mean 'report'? Run 'makerchecker --help' for usage.")]
    public async Task An_unknown_command_gets_one_line_naming_the_nearest_and_exits_2(string[] args, string expected)
    {
        var (exit, output, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Equal(expected, error.TrimEnd('\r', '\n'));
        Assert.DoesNotContain('\n', error.TrimEnd('\r', '\n'));
        Assert.Empty(output);
    }

    [Fact]
    public async Task An_unknown_command_far_from_every_command_lists_them()
    {
        var (exit, _, error) = await CliRunner.RunAsync("audit", "zzzzzzzz");

        Assert.Equal(2, exit);
        Assert.Equal(
            "error: 'zzzzzzzz' is not a makerchecker audit command; the commands are verify, export, receipt, checkpoint, latest-checkpoint, vkey, verify-receipt, consistency, check-snapshots. " +
            "Run 'makerchecker --help' for usage.",
            error.TrimEnd('\r', '\n'));
    }

    [Theory]
    [InlineData("verify", "verify", 0)]
    [InlineData("verfy", "verify", 1)]
    [InlineData("Polcy", "policy", 1)]
    [InlineData("", "audit", 5)]
    [InlineData("kitten", "sitting", 3)]
    public void Edit_distance_counts_insertions_deletions_and_substitutions(string a, string b, int expected)
    {
        Assert.Equal(expected, CommandSuggestion.Distance(a, b));
        Assert.Equal(expected, CommandSuggestion.Distance(b, a));
    }
}
