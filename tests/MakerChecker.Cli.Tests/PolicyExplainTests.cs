using System.Text.Json;

namespace MakerChecker.Cli.Tests;

public sealed class PolicyExplainTests
{
    [Theory]
    [InlineData("screener-bot", "coverage.flag@1", "allowed", "allowed")]
    [InlineData("screener-bot", "coverage.deny@1", "refused", "skill_forbidden")]
    [InlineData("drafter-bot", "coverage.deny@1", "approval required", "approval_required")]
    [InlineData("drafter-bot", "coverage.deny@2", "refused", "skill_not_granted")]
    public async Task Explain_prints_the_decision_the_reason_code_and_the_rule(string principal, string skill, string decision, string code)
    {
        var policy = CliRunner.Policy("claims-review.yaml");
        var (exit, output, _) = await CliRunner.RunAsync("policy", "explain", policy, "--principal", principal, "--skill", skill);

        Assert.Equal(0, exit);
        Assert.Contains($"decision     {decision}{Environment.NewLine}", output, StringComparison.Ordinal);
        Assert.Contains($"reason code  {code}{Environment.NewLine}", output, StringComparison.Ordinal);
        Assert.Matches(@"rule         .*claims-review\.yaml:\d+", output);
        Assert.Matches("policy hash  [0-9a-f]{64}", output);
    }

    [Fact]
    public async Task Json_output_names_the_rule_line_and_the_gate()
    {
        var (exit, output, _) = await CliRunner.RunAsync("policy", "explain", CliRunner.Policy("claims-review.yaml"), "--principal", "drafter-bot", "--skill", "coverage.deny@1", "--json");

        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("approval_required", doc.RootElement.GetProperty("reasonCode").GetString());
        Assert.EndsWith("claims-review.yaml:48", doc.RootElement.GetProperty("rule").GetString(), StringComparison.Ordinal);
        Assert.Contains("min review 30 s", doc.RootElement.GetProperty("gate").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("drafter-bot", "coverage.deny@1", null)]
    [InlineData("payer-bot", "coverage.approve@1", """{"claim":{"amount":300}}""")]
    public async Task Text_output_fits_80_columns_and_never_splits_a_word(string principal, string skill, string? payload)
    {
        string[] args = ["policy", "explain", CliRunner.Policy("claims-review.yaml"), "--principal", principal, "--skill", skill];
        if (payload is not null) args = [.. args, "--payload", payload];
        var (_, text, _) = await CliRunner.RunAsync(args);
        var (_, json, _) = await CliRunner.RunAsync([.. args, "--json"]);

        var lines = text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.Contains(lines, line => line.StartsWith("             ", StringComparison.Ordinal)); // something did wrap
        foreach (var line in lines)
        {
            // Over 80 only when one word (a path) is longer than the room: it stands whole.
            Assert.True(line.Length <= 80 || !line[13..].Contains(' ', StringComparison.Ordinal), line);
        }

        // Joining each field's lines at single spaces gives back the value exactly: no word was split.
        var fields = new Dictionary<string, string>();
        string? current = null;
        foreach (var line in lines)
        {
            if (line.StartsWith("             ", StringComparison.Ordinal)) fields[current!] += " " + line[13..];
            else fields[current = line[..13].TrimEnd()] = line[13..];
        }

        using var doc = JsonDocument.Parse(json);
        Assert.Equal(doc.RootElement.GetProperty("gate").GetString(), fields["gate"]);
        Assert.Equal(doc.RootElement.GetProperty("message").GetString(), fields["why"]);
        Assert.Equal(doc.RootElement.GetProperty("rule").GetString(), fields["rule"]);
        Assert.Equal(doc.RootElement.GetProperty("policyHash").GetString(), fields["policy hash"]);
    }

    [Fact]
    public async Task An_amount_limit_reads_the_payload()
    {
        var policy = CliRunner.Policy("claims-review.yaml");
        var over = await CliRunner.RunAsync("policy", "explain", policy, "--principal", "payer-bot", "--skill", "coverage.approve@1", "--payload", """{"claim":{"amount":30000}}""");
        var under = await CliRunner.RunAsync("policy", "explain", policy, "--principal", "payer-bot", "--skill", "coverage.approve@1", "--payload", """{"claim":{"amount":300}}""");

        Assert.Contains("reason code  limit_exceeded", over.Output, StringComparison.Ordinal);
        Assert.Contains("reason code  allowed", under.Output, StringComparison.Ordinal);
        Assert.Contains("sampled: 5%", under.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--principal", "nobody", "--skill", "coverage.flag@1", "is not declared")]
    [InlineData("--principal", "payer-bot", "--skill", "coverage.approve@1", "--payload", "[1]", "not a JSON object")]
    [InlineData("--skill", "coverage.flag@1", "--principal")]
    public async Task Usage_errors_exit_2(params string[] argsAndExpected)
    {
        var args = argsAndExpected[..^1];
        var (exit, _, error) = await CliRunner.RunAsync(["policy", "explain", CliRunner.Policy("claims-review.yaml"), .. args]);

        Assert.Equal(2, exit);
        Assert.Contains(argsAndExpected[^1], error, StringComparison.Ordinal);
    }
}
