using System.CommandLine;
using System.CommandLine.Help;
using MakerChecker.Cli.Commands;

namespace MakerChecker.Cli;

/// <summary>
/// The <c>makerchecker</c> command line. <see cref="RunAsync"/> is the real entry point: <c>Program</c> calls it with
/// the console, and the end-to-end tests call it with captured writers.
/// </summary>
internal static class CliApplication
{
    /// <summary>
    /// The program's name in help and usage errors, however it was started (the tool, <c>dotnet MakerChecker.Cli.dll</c>, <c>dotnet run</c>).
    /// </summary>
    internal const string ProgramName = "makerchecker";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = CreateRoot(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            if (CommandSuggestion.ForUnknownCommand(parsed) is { } suggestion)
            {
                await error.WriteLineAsync(suggestion).ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            foreach (var parseError in parsed.Errors) await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            await error.WriteLineAsync($"Run '{ProgramName} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The command tree. The root is a plain <see cref="Command"/> named <see cref="ProgramName"/>, not a
    /// <see cref="RootCommand"/>, whose name is the executable's file name ("MakerChecker.Cli", or "testhost" under a test runner).
    /// </summary>
    internal static Command CreateRoot(TextWriter output, TextWriter error)
    {
        var root = new Command(ProgramName, "MakerChecker: lint and explain policies, verify and export audit evidence, and report rubber-stamping.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(PolicyCommands.Create(output, error));
        var audit = AuditCommands.Create(output, error);
        foreach (var command in ReceiptCommands.Create(output)) audit.Subcommands.Add(command);
        audit.Subcommands.Add(CheckSnapshotsCommand.Create(output, error));
        root.Subcommands.Add(audit);
        root.Subcommands.Add(KeygenCommand.Create(output, error));
        root.Subcommands.Add(ReviewCommands.Create(output));
        root.Subcommands.Add(VerifierPageCommand.Create(output, error));
        return root;
    }
}
