using System.Diagnostics;

namespace MakerChecker.Cli.Tests.GoChecker;

/// <summary>
/// Runs <c>checker.go</c> (beside this file, copied to the test output) with Debian's Go and golang.org/x/mod in GOPATH
/// mode: <c>GO111MODULE=off GOPATH=/usr/share/gocode go run checker.go ...</c>. It is the independent checker of our
/// checkpoints, receipts and consistency proofs (Go's <c>sumdb/note</c> and <c>sumdb/tlog</c>).
/// </summary>
internal static class GoChecker
{
    public const string GoPath = "/usr/share/gocode";

    private static readonly string Program = Path.Combine(AppContext.BaseDirectory, "GoChecker", "checker.go");

    /// <summary>Whether Go and x/mod's note and tlog are installed (.ci/install-deps: golang-go, golang-golang-x-mod-dev).</summary>
    public static bool IsAvailable =>
        FindGo() is not null && Directory.Exists(Path.Combine(GoPath, "src", "golang.org", "x", "mod", "sumdb", "tlog"));

    /// <summary>Runs one check; the exit code and the checker's one line.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(FindGo()!) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { "run", Program }.Concat(args)) info.ArgumentList.Add(a);
        info.Environment["GO111MODULE"] = "off";
        info.Environment["GOPATH"] = GoPath;
        info.Environment["GOFLAGS"] = "";
        info.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "makerchecker-go-cache");
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout).Trim() + (await stderr).Trim());
    }

    private static string? FindGo() =>
        new[] { "/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go" }.FirstOrDefault(File.Exists);
}

/// <summary>A test that needs Go: skipped, with the reason, only where Go is absent and CI is not set; under <c>CI=true</c> it always runs.</summary>
public sealed class GoFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the test cannot run here.</summary>
    public GoFactAttribute()
    {
        if (!GoChecker.IsAvailable && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "Go with golang.org/x/mod is not installed (apt-get install golang-go golang-golang-x-mod-dev); never skipped when CI=true.";
        }
    }
}
