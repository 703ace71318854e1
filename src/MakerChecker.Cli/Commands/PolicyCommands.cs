using System.CommandLine;
using System.Text.Json;
using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker policy ...</c>: commands that read policies.</summary>
internal static class PolicyCommands
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(TextWriter output)
    {
        var policy = new Command("policy", "Check and explain policies.");
        policy.Subcommands.Add(Lint(output));
        return policy;
    }

    private static Command Lint(TextWriter output)
    {
        var files = new Argument<FileInfo[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "Policy files to check." };
        ArgumentChecks.RejectOptionLikePaths(files);
        var json = new Option<bool>("--json") { Description = "Write machine-readable JSON instead of compiler-format lines." };
        var lint = new Command("lint", "Check policy files. Prints 'file(line,col): error MC1004: message' lines; exits 1 if any file has errors.");
        lint.Arguments.Add(files);
        lint.Options.Add(json);
        lint.SetAction(async (parse, cancellationToken) =>
        {
            var results = parse.GetValue(files)!.Select(f => (File: f.ToString(), Result: PolicyLoader.LoadFile(f.ToString()))).ToList();
            var errors = results.Sum(r => r.Result.Errors.Count());
            var warnings = results.Sum(r => r.Result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning));
            if (parse.GetValue(json))
            {
                var report = new
                {
                    Files = results.Select(r => new
                    {
                        r.File,
                        Loaded = r.Result.Succeeded,
                        PolicyHash = r.Result.Policy?.Hash,
                        Diagnostics = r.Result.Diagnostics.Select(d => new
                        {
                            d.Code,
                            Severity = d.Severity == DiagnosticSeverity.Error ? "error" : "warning",
                            d.Location.File,
                            d.Location.Line,
                            d.Location.Column,
                            d.Message,
                            d.Hint,
                        }),
                    }),
                    Errors = errors,
                    Warnings = warnings,
                };
                await output.WriteLineAsync(JsonSerializer.Serialize(report, JsonOptions).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                foreach (var (file, result) in results)
                {
                    foreach (var diagnostic in result.Diagnostics) await output.WriteLineAsync(diagnostic.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
                    if (result.Policy is { } loaded) await output.WriteLineAsync($"{file}: ok, policy hash {loaded.Hash}".AsMemory(), cancellationToken).ConfigureAwait(false);
                }
                await output.WriteLineAsync($"{results.Count} file(s): {errors} error(s), {warnings} warning(s).".AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            return errors > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });
        return lint;
    }
}
