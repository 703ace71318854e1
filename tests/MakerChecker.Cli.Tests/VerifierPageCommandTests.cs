using MakerChecker.Cli.Commands;

namespace MakerChecker.Cli.Tests;

/// <summary><c>makerchecker verifier-page</c>: writes the page in the repository byte for byte, never overwrites by accident.</summary>
public sealed class VerifierPageCommandTests : IDisposable
{
    private static readonly string RepositoryPage = Path.Combine(AppContext.BaseDirectory, "VerifierPage", "verify.html");
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-verifier-page-").FullName;

    [Fact]
    public async Task It_writes_the_exact_bytes_of_the_page_in_the_repository()
    {
        var path = Path.Combine(_directory, "verify.html");

        var (exitCode, output, error) = await CliRunner.RunAsync("verifier-page", "--out", path);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(File.ReadAllBytes(RepositoryPage), File.ReadAllBytes(path));
        Assert.Equal(File.ReadAllBytes(RepositoryPage), VerifierPageCommand.ReadPage());
        Assert.Contains($"wrote {path} (", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_refuses_to_overwrite_a_file_without_force_and_leaves_it_as_it_was()
    {
        var path = Path.Combine(_directory, "verify.html");
        File.WriteAllText(path, "keep me");

        var (exitCode, output, error) = await CliRunner.RunAsync("verifier-page", "--out", path);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"error: '{path}' exists; pass --force to overwrite it, or choose another --out.", error.TrimEnd('\n'));
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public async Task With_force_it_overwrites_the_file_with_the_page()
    {
        var path = Path.Combine(_directory, "verify.html");
        File.WriteAllText(path, "old");

        var (exitCode, _, error) = await CliRunner.RunAsync("verifier-page", "--out", path, "--force");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Equal(File.ReadAllBytes(RepositoryPage), File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_missing_directory_is_a_usage_error_of_one_line_and_writes_nothing()
    {
        var path = Path.Combine(_directory, "no-such-dir", "verify.html");

        var (exitCode, _, error) = await CliRunner.RunAsync("verifier-page", "--out", path);

        Assert.Equal(2, exitCode);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: the directory of --out", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public async Task A_directory_as_out_is_a_usage_error()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("verifier-page", "--out", _directory, "--force");

        Assert.Equal(2, exitCode);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains("is a directory", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_that_cannot_be_written_fails_with_one_line_and_exit_1()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test writes over /proc/version, which no one (not even root) can write");

        var (exitCode, output, error) = await CliRunner.RunAsync("verifier-page", "--out", "/proc/version", "--force");

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: cannot write '/proc/version'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_out_it_is_a_usage_error()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("verifier-page");

        Assert.Equal(2, exitCode);
        Assert.Contains("--out", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
