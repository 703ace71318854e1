namespace MakerChecker.Samples.Tests;

/// <summary>
/// README "Use it in your app": the project file and Program.cs, taken from between their markers, build into a fresh
/// project outside the repository (warnings as errors) and run: the gated call, the checkpoint check and the bundle verify.
/// </summary>
public sealed class ReadmeAppSnippetTests : IDisposable
{
    private const string PackageLine = "<PackageReference Include=\"MakerChecker\" Version=\"0.1.0\" />";
    private readonly string _app = Directory.CreateTempSubdirectory("mc-readme-app-").FullName;

    [Fact]
    public async Task The_readme_app_snippet_compiles_as_pasted_and_its_log_and_bundle_verify()
    {
        var readme = (await File.ReadAllTextAsync(Path.Combine(ShellCommand.RepositoryRoot, "README.md"))).ReplaceLineEndings("\n");
        var csproj = Block(readme, "<!-- app-snippet:csproj -->", "xml");
        var program = Block(readme, "<!-- app-snippet:program -->", "csharp");

        // The package as the README names it; here it is the same library by project reference, so no pack is needed.
        Assert.Contains(PackageLine, csproj, StringComparison.Ordinal);
        var library = Path.Combine(ShellCommand.RepositoryRoot, "src", "MakerChecker", "MakerChecker.csproj");
        await File.WriteAllTextAsync(Path.Combine(_app, "app.csproj"), csproj.Replace(PackageLine, $"<ProjectReference Include=\"{library}\" />", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(_app, "Program.cs"), program);
        File.Copy(Path.Combine(ShellCommand.RepositoryRoot, "samples", "policies", "claims-review.yaml"), Path.Combine(_app, "policy.yaml"));

        var (exit, output) = await ShellCommand.RunAsync($"cd '{_app}' && dotnet run -c Release -p:TreatWarningsAsErrors=true");

        Assert.True(exit == 0, output);
        Assert.Contains("screener-bot flags C-1009: allowed", output, StringComparison.Ordinal);
        Assert.Contains("drafter-bot denies C-1009: approval_required, request ", output, StringComparison.Ordinal);
        Assert.Contains(": True", output, StringComparison.Ordinal);
        Assert.Contains("bundle.json verified: ", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_app, "audit.jsonl.checkpoints")), "the app's log was not checkpointed");
    }

    public void Dispose() => Directory.Delete(_app, recursive: true);

    /// <summary>The fenced block of <paramref name="language"/> that follows <paramref name="marker"/>.</summary>
    private static string Block(string readme, string marker, string language)
    {
        var at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no {marker}");
        var fence = $"\n```{language}\n";
        var start = readme.IndexOf(fence, at, StringComparison.Ordinal) + fence.Length;
        Assert.True(start >= fence.Length && readme.IndexOf("\n## ", at, StringComparison.Ordinal) > start, $"no ```{language} block follows {marker}");
        return readme[start..(readme.IndexOf("\n```", start, StringComparison.Ordinal) + 1)];
    }
}
