using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.Cli.Tests;

public sealed class KeygenTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mc-cli-keys-{Guid.NewGuid():N}");

    [Fact]
    public async Task Keygen_writes_a_private_key_only_its_owner_reads_and_prints_fingerprint_and_vkey()
    {
        var (exit, output, _) = await CliRunner.RunAsync("keygen", "--out", _dir, "--name", "claims.example.org");

        Assert.Equal(0, exit);
        var priv = Path.Combine(_dir, "claims.example.org.key");
        var pub = Path.Combine(_dir, "claims.example.org.pub.pem");
        var fingerprint = Ed25519KeyFile.ReadFingerprint(pub);
        Assert.Contains($"fingerprint  {fingerprint}", output, StringComparison.Ordinal);
        using var signer = Ed25519KeyFile.LoadSigner(priv);
        Assert.Equal(fingerprint, signer.Fingerprint);
        var vkey = output.Split('\n').Single(l => l.StartsWith("vkey", StringComparison.Ordinal))["vkey".Length..].Trim();
        var parsed = NoteVerifierKey.Parse(vkey);
        Assert.Equal("claims.example.org", parsed.Name);
        Assert.Equal(signer.PublicKey.ToArray(), parsed.PublicKey.ToArray());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(priv));
    }

    [Fact]
    public async Task Keygen_takes_explicit_paths()
    {
        Directory.CreateDirectory(_dir);
        var (priv, pub) = (Path.Combine(_dir, "signer.pem"), Path.Combine(_dir, "signer.pub"));

        var (exit, output, _) = await CliRunner.RunAsync("keygen", "--private", priv, "--public", pub);

        Assert.Equal(0, exit);
        Assert.Contains($"fingerprint  {Ed25519KeyFile.ReadFingerprint(pub)}", output, StringComparison.Ordinal);
        Assert.StartsWith("makerchecker+", output.Split('\n').Single(l => l.StartsWith("vkey", StringComparison.Ordinal))["vkey".Length..].Trim(), StringComparison.Ordinal);
        using var signer = Ed25519KeyFile.LoadSigner(priv);
    }

    [Fact]
    public async Task Keygen_never_overwrites_a_key()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("keygen", "--out", _dir)).ExitCode);
        var before = await File.ReadAllTextAsync(Path.Combine(_dir, "makerchecker.key"));

        var (exit, _, error) = await CliRunner.RunAsync("keygen", "--out", _dir);

        Assert.Equal(2, exit);
        Assert.Contains("never overwrites", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(_dir, "makerchecker.key")));
    }

    [Theory]
    [InlineData("keygen")]
    [InlineData("keygen", "--private", "only-one.key")]
    [InlineData("keygen", "--out", "x", "--name", "has+plus")]
    public async Task Usage_errors_exit_2_and_write_nothing(params string[] args)
    {
        var (exit, _, error) = await CliRunner.RunAsync([.. args.Select(a => a == "x" ? _dir : a)]);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir));
        Assert.False(File.Exists("only-one.key"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
