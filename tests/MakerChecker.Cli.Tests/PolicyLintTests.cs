using System.Text.Json;

namespace MakerChecker.Cli.Tests;

public sealed class PolicyLintTests
{
    [Fact]
    public async Task A_clean_policy_exits_0_and_prints_its_hash()
    {
        var (exit, output, _) = await CliRunner.RunAsync("policy", "lint", CliRunner.Policy("claims-review.yaml"));

        Assert.Equal(0, exit);
        Assert.Matches(@"claims-review\.yaml: ok, policy hash [0-9a-f]{64}", output);
        Assert.EndsWith("1 file(s): 0 error(s), 0 warning(s)." + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warnings_alone_exit_0()
    {
        var (exit, output, _) = await CliRunner.RunAsync("policy", "lint", CliRunner.Policy("product-brief.yaml"));

        Assert.Equal(0, exit);
        Assert.Contains("product-brief.yaml(12,7): warning MC2005:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_exit_1_in_the_compiler_format()
    {
        var bad = CliRunner.TempFile("role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      forbid_requestor: true\n      approvers: 0\n");

        var (exit, output, _) = await CliRunner.RunAsync("policy", "lint", bad, CliRunner.Policy("claims-review.yaml"));

        Assert.Equal(1, exit);
        Assert.Contains($"{bad}(5,7): error MC1002: Unknown key 'forbid_requestor' in a gate. Did you mean 'forbid_requester'?", output, StringComparison.Ordinal);
        Assert.Contains($"{bad}(6,18): error MC1020:", output, StringComparison.Ordinal);
        Assert.Contains("2 file(s): 2 error(s), 0 warning(s).", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_machine_readable()
    {
        var bad = CliRunner.TempFile("role: r\ngrants:\n  - skill: coverage.deny\n");

        var (exit, output, _) = await CliRunner.RunAsync("policy", "lint", "--json", bad);

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(1, json.RootElement.GetProperty("errors").GetInt32());
        var diagnostic = json.RootElement.GetProperty("files")[0].GetProperty("diagnostics")[0];
        Assert.Equal("MC1010", diagnostic.GetProperty("code").GetString());
        Assert.Equal(3, diagnostic.GetProperty("line").GetInt32());
        Assert.Equal(12, diagnostic.GetProperty("column").GetInt32());
        Assert.Contains("coverage.deny@1", diagnostic.GetProperty("hint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_reported_as_an_error()
    {
        var (exit, output, _) = await CliRunner.RunAsync("policy", "lint", "/nonexistent/policy.yaml");

        Assert.Equal(1, exit);
        Assert.Contains("error MC1041:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("policy", "lnt")]
    [InlineData("policy", "lint")]
    [InlineData("policy", "lint", "--jsn", "x.yaml")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var (exit, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains("makerchecker --help", error, StringComparison.Ordinal);
    }
}
