using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Decisions;
using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Cli.Commands;

/// <summary><c>makerchecker policy ...</c>: commands that read policies.</summary>
internal static class PolicyCommands
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = CliJsonContext.Default,
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var policy = new Command("policy", "Check and explain policies.");
        policy.Subcommands.Add(Lint(output));
        policy.Subcommands.Add(Explain(output, error));
        return policy;
    }

    private static Command Explain(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The policy file." };
        ArgumentChecks.RejectOptionLikePaths(file);
        var principal = new Option<string>("--principal") { Description = "A principal declared in the policy's principals.", Required = true };
        var skill = new Option<string>("--skill") { Description = "The skill, name@version (coverage.deny@1).", Required = true };
        var payload = new Option<string?>("--payload") { Description = "The invocation's payload as JSON, read only by max_amount limits." };
        var json = new Option<bool>("--json") { Description = "Write machine-readable JSON." };
        var explain = new Command("explain",
            "Explain what the policy decides when a principal invokes a skill: the decision, the reason code, the rule (file:line) " +
            "and the policy hash. Uses the gate's own evaluator.");
        explain.Arguments.Add(file);
        explain.Options.Add(principal);
        explain.Options.Add(skill);
        explain.Options.Add(payload);
        explain.Options.Add(json);
        explain.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.ToString();
            if (!File.Exists(path))
            {
                return await ArgumentChecks.UsageAsync(error, $"Policy file '{path}' does not exist.", cancellationToken).ConfigureAwait(false);
            }

            var loaded = PolicyLoader.LoadFile(path);
            if (loaded.Policy is not { } compiled)
            {
                foreach (var diagnostic in loaded.Diagnostics)
                {
                    await error.WriteLineAsync(diagnostic.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                var fix = $"error: '{path}' has errors; fix them ('makerchecker policy lint {path}') before explaining decisions.";
                await error.WriteLineAsync(fix.AsMemory(), cancellationToken).ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            var who = parse.GetValue(principal)!;
            if (!compiled.Principals.ContainsKey(who))
            {
                var declared = string.Join(", ", compiled.Principals.Keys.Order(StringComparer.Ordinal));
                var undeclared = $"Principal '{who}' is not declared in '{path}' (declared: {declared}). " +
                    "Principals registered at run time live in the gate's log: declare them under 'principals:' to explain their decisions.";
                return await ArgumentChecks.UsageAsync(error, undeclared, cancellationToken).ConfigureAwait(false);
            }
            JsonObject? body = null;
            if (parse.GetValue(payload) is { } text)
            {
                try
                {
                    body = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
                }
                catch (JsonException ex)
                {
                    var notObject = $"--payload is not a JSON object ({ex.Message}). Example: --payload '{{\"claim\":{{\"amount\":1200}}}}'.";
                    return await ArgumentChecks.UsageAsync(error, notObject, cancellationToken).ConfigureAwait(false);
                }
            }

            var result = PolicyExplainer.Explain(compiled, who, parse.GetValue(skill)!, body);
            var decision = result.Outcome switch
            {
                DecisionOutcome.Allowed => "allowed",
                DecisionOutcome.ApprovalRequired => "approval required",
                _ => "refused",
            };
            var rule = result.Rule.File is null ? null : result.Rule.ToString();
            var gate = result.Grant?.Gate is { } g ? DescribeGate(g) : null;
            if (parse.GetValue(json))
            {
                var report = new ExplainReport(decision, result.ReasonCode, rule, gate, result.PolicyHash, result.Message);
                await output.WriteLineAsync(CliJson.Serialize(report, JsonOptions).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Wrapped to 80 columns at spaces only: names, paths and hashes are never split.
                (string Label, string? Value)[] fields =
                [
                    ("decision", decision), ("reason code", result.ReasonCode), ("rule", rule ?? "(none: nothing in the policy applies)"),
                    ("gate", gate), ("policy hash", result.PolicyHash), ("why", result.Message),
                ];
                foreach (var (label, value) in fields)
                {
                    if (value is null) continue;
                    await output.WriteLineAsync(FieldLines.Format(label, value).AsMemory(), cancellationToken).ConfigureAwait(false);
                }
            }
            return ExitCodes.Success;
        });
        return explain;
    }

    private static string DescribeGate(MakerChecker.Policy.Model.GateDefinition gate)
    {
        var parts = new List<string>
        {
            $"{gate.Approvers} approver(s) from [{string.Join(", ", gate.ApproverRoles)}]",
            gate.ForbidRequester ? "requester and owner cannot sign" : "requester may sign",
            $"min review {gate.MinReview.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s",
            $"expires after {gate.ExpiresAfter.TotalHours.ToString(CultureInfo.InvariantCulture)} h",
        };
        if (!gate.GatesEveryInvocation)
        {
            var percent = (gate.Sample * 100).ToString("0.##", CultureInfo.InvariantCulture);
            parts.Add($"sampled: {percent}% of invocations wait for review (explained here as not drawn)");
        }

        if (gate.BreakGlassRoles.Count > 0) parts.Add($"break-glass: [{string.Join(", ", gate.BreakGlassRoles)}]");
        return string.Join("; ", parts);
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
                var report = new LintReport(
                    results.Select(r => new LintedFile(r.File, r.Result.Succeeded, r.Result.Policy?.Hash,
                        r.Result.Diagnostics.Select(d => new LintDiagnostic(d.Code, d.Severity == DiagnosticSeverity.Error ? "error" : "warning",
                            d.Location.File, d.Location.Line, d.Location.Column, d.Message, d.Hint)))),
                    errors, warnings);
                await output.WriteLineAsync(CliJson.Serialize(report, JsonOptions).AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                foreach (var (file, result) in results)
                {
                    foreach (var diagnostic in result.Diagnostics)
                    {
                        await output.WriteLineAsync(diagnostic.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
                    }

                    if (result.Policy is { } loaded)
                    {
                        await output.WriteLineAsync($"{file}: ok, policy hash {loaded.Hash}".AsMemory(), cancellationToken).ConfigureAwait(false);
                    }
                }

                var summary = $"{results.Count} file(s): {errors} error(s), {warnings} warning(s).";
                await output.WriteLineAsync(summary.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
            return errors > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });
        return lint;
    }
}
