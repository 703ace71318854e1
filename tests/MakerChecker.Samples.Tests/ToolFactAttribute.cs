namespace MakerChecker.Samples.Tests;

/// <summary>
/// A test that needs an inspector's independent tools: Go with Debian's golang.org/x/mod (GOPATH /usr/share/gocode) and
/// openssl. Skipped, with the reason shown, only where one is absent and CI is not set; under <c>CI=true</c> it always
/// runs (CI installs them with .ci/install-deps), so a missing tool fails the build instead of passing quietly.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    /// <summary>Where Debian's golang-golang-x-mod-dev puts the packages the Go checker imports.</summary>
    public const string GoPath = "/usr/share/gocode";

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the tools are not here.</summary>
    public ToolFactAttribute()
    {
        var missing = new[] { "go", "openssl", "bash" }.Where(tool => !OnPath(tool)).ToList();
        if (!Directory.Exists(Path.Combine(GoPath, "src", "golang.org", "x", "mod", "sumdb", "tlog"))) missing.Add($"golang.org/x/mod in {GoPath}");
        if (missing.Count > 0 && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"Not installed here: {string.Join(", ", missing)} (apt-get install golang-go golang-golang-x-mod-dev openssl); never skipped when CI=true.";
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, tool)));
}
