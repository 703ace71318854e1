using System.CommandLine;
using MakerChecker.Cli.Commands;

namespace MakerChecker.Cli;

/// <summary>
/// The <c>makerchecker</c> command line. <see cref="RunAsync"/> is the real entry point: <c>Program</c> calls it with
/// the console, and the end-to-end tests call it with captured writers.
/// </summary>
internal static class CliApplication
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("MakerChecker: lint and explain policies, verify and export audit evidence, and report rubber-stamping.");
        root.Subcommands.Add(PolicyCommands.Create(output, error));
        var audit = AuditCommands.Create(output, error);
        foreach (var command in ReceiptCommands.Create(output)) audit.Subcommands.Add(command);
        root.Subcommands.Add(audit);
        root.Subcommands.Add(KeygenCommand.Create(output, error));
        root.Subcommands.Add(ReviewCommands.Create(output));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            await error.WriteLineAsync("Run 'makerchecker --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }
}
