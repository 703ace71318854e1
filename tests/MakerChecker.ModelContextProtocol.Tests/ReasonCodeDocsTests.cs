namespace MakerChecker.ModelContextProtocol.Tests;

/// <summary>The integration's own reason codes are documented with the gate's (docs/reason-codes.md).</summary>
public sealed class ReasonCodeDocsTests
{
    [Fact]
    public void The_filter_s_own_reason_codes_are_documented()
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "docs"))) root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("docs/");
        var reasons = File.ReadAllText(Path.Combine(root, "docs", "reason-codes.md"));

        foreach (var code in new[]
        {
            MakerCheckerCallToolFilter.ToolNotGoverned, MakerCheckerCallToolFilter.RequestSkillMismatch, MakerCheckerCallToolFilter.ArgumentsInvalid,
            MakerCheckerCallToolFilter.ToolUnknown,
        })
        {
            Assert.Contains($"`{code}`", reasons, StringComparison.Ordinal);
        }
    }
}
