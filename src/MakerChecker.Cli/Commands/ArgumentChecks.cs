using System.CommandLine;

namespace MakerChecker.Cli.Commands;

/// <summary>Argument checks shared by commands.</summary>
internal static class ArgumentChecks
{
    /// <summary>
    /// Rejects path arguments that look like options ("--jsn"): without this, a mistyped option is taken for a file
    /// name and the command fails for the wrong reason.
    /// </summary>
    public static void RejectOptionLikePaths<T>(Argument<T> argument) =>
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-')) result.AddError($"Unknown option '{token.Value}'.");
            }
        });

    /// <summary>Writes a usage error (what was wrong and how to fix it) and returns <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> UsageAsync(TextWriter error, string message, CancellationToken cancellationToken)
    {
        await error.WriteLineAsync($"error: {message}".AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Usage;
    }
}
