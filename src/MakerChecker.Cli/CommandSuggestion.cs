using System.CommandLine;
using System.CommandLine.Parsing;

namespace MakerChecker.Cli;

/// <summary>
/// The one-line usage error for an unknown command or subcommand, naming the nearest known one by edit distance
/// ("'verfy' is not a makerchecker audit command; did you mean 'verify'?").
/// </summary>
internal static class CommandSuggestion
{
    /// <summary>
    /// The error line when <paramref name="parsed"/> failed because a word where a subcommand belongs is none of them;
    /// otherwise <see langword="null"/> (the parser's own errors are then reported as they are).
    /// </summary>
    public static string? ForUnknownCommand(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (command.Subcommands.Count == 0 || command.Arguments.Count > 0) return null;

        var unknown = parsed.UnmatchedTokens.FirstOrDefault(token => !token.StartsWith('-'));
        if (unknown is null) return null;

        var path = CommandPath(parsed.CommandResult);
        var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        var nearest = names.MinBy(name => Distance(unknown, name))!;
        // The same pointer to help as every other usage error.
        var help = $"Run '{CliApplication.ProgramName} --help' for usage.";
        return Distance(unknown, nearest) <= Math.Max(2, nearest.Length / 3)
            ? $"error: '{unknown}' is not a {path} command; did you mean '{nearest}'? {help}"
            : $"error: '{unknown}' is not a {path} command; the commands are {string.Join(", ", names)}. {help}";
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (var current = result; current is not null; current = current.Parent as CommandResult)
        {
            names.Add(current.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>The Levenshtein distance (insertions, deletions, substitutions), case-insensitive.</summary>
    internal static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
