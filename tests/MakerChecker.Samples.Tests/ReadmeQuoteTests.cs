namespace MakerChecker.Samples.Tests;

/// <summary>The README's code is taken from samples/HelloGate, so a change to one without the other fails here.</summary>
public class ReadmeQuoteTests
{
    [Fact]
    public void The_readme_quotes_the_hello_gate_sample_verbatim()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "MakerChecker.Sdk.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        var sample = File.ReadAllText(Path.Combine(root, "samples", "HelloGate", "Program.cs")).ReplaceLineEndings("\n");

        var start = readme.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        var quoted = readme[start..readme.IndexOf("\n```", start, StringComparison.Ordinal)];
        Assert.StartsWith("var policy = PolicyLoader.LoadFile(", quoted, StringComparison.Ordinal);
        Assert.Contains(quoted, sample, StringComparison.Ordinal);
    }
}
