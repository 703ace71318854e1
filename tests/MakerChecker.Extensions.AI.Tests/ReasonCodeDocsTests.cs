namespace MakerChecker.Extensions.AI.Tests;

/// <summary>The integration's own reason codes are documented with the gate's (docs/reason-codes.md).</summary>
public sealed class ReasonCodeDocsTests
{
    [Fact]
    public void The_integration_s_own_reason_codes_are_documented()
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "docs"))) root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("docs/");
        var reasons = File.ReadAllText(Path.Combine(root, "docs", "reason-codes.md"));

        Assert.Contains($"`{GatedCallResult.RequestSkillMismatch}`", reasons, StringComparison.Ordinal);
        Assert.Contains($"`{GatedCallResult.NotResumed}`", reasons, StringComparison.Ordinal);
    }
}
