using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

public sealed class VerifierKeyCommandTests : IDisposable
{
    private const string Origin = "example.com/claims";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-vkey-").FullName;
    private readonly string _key;
    private readonly string _publicKey;

    public VerifierKeyCommandTests()
    {
        _key = Path.Combine(_dir, "checkpoint-key.pem");
        _publicKey = Path.Combine(_dir, "checkpoint-key.pub.pem");
        Ed25519KeyFile.Create(_key, _publicKey);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Vkey_from_the_public_key_equals_the_one_audit_receipt_prints_and_verifies_a_receipt()
    {
        var log = Path.Combine(_dir, "audit.jsonl");
        using (var signer = Ed25519KeyFile.LoadSigner(_key))
        {
            var options = new CheckpointedAuditStoreOptions { Signer = signer, Origin = Origin };
            await using var store = await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(log), options);
            for (var i = 0; i < 3; i++) await store.AppendAsync(Entry(i));
        }

        var receipt = Path.Combine(_dir, "receipt.json");
        var (exit, output, error) = await CliRunner.RunAsync("audit", "receipt", log, "--seq", "2", "--key", _key, "-o", receipt);
        Assert.True(exit == 0, error);
        var printedByReceipt = output.Split('\n').Single(l => l.StartsWith("verifier key: ", StringComparison.Ordinal))["verifier key: ".Length..].Trim();

        (exit, output, error) = await CliRunner.RunAsync("audit", "vkey", "--public-key", _publicKey, "--origin", Origin);

        Assert.True(exit == 0, error);
        Assert.Equal(printedByReceipt + Environment.NewLine, output);
        Assert.Empty(error);
        (exit, _, error) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", output.Trim());
        Assert.True(exit == 0, error);

        // One base64 character of the public key changed: a well-formed key, but not the log's; the receipt fails under it.
        var lines = (await File.ReadAllTextAsync(_publicKey)).Split('\n');
        lines[1] = lines[1][..20] + (lines[1][20] == 'A' ? 'B' : 'A') + lines[1][21..];
        var tampered = Path.Combine(_dir, "tampered.pub.pem");
        await File.WriteAllTextAsync(tampered, string.Join('\n', lines));
        (exit, var other, error) = await CliRunner.RunAsync("audit", "vkey", "--public-key", tampered, "--origin", Origin);
        Assert.True(exit == 0, error);
        Assert.NotEqual(output, other);
        (exit, var verdict, _) = await CliRunner.RunAsync("audit", "verify-receipt", receipt, "--vkey", other.Trim());
        Assert.Equal(1, exit);
        Assert.StartsWith("invalid: ", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vkey_is_the_C2SP_key_of_the_public_key_under_the_origin()
    {
        var (exit, output, _) = await CliRunner.RunAsync("audit", "vkey", "--public-key", _publicKey, "--origin", Origin);

        Assert.Equal(0, exit);
        var key = NoteVerifierKey.Parse(output.Trim());
        Assert.Equal(Origin, key.Name);
        using var signer = Ed25519KeyFile.LoadSigner(_key);
        Assert.Equal(signer.PublicKey.ToArray(), key.PublicKey.ToArray());
    }

    [Fact]
    public async Task A_private_key_is_refused_and_not_echoed()
    {
        var (exit, output, error) = await CliRunner.RunAsync("audit", "vkey", "--public-key", _key, "--origin", Origin);

        AssertOneLineUsageError(exit, output, error, "is not an Ed25519 SPKI PEM public key");
        Assert.DoesNotContain("PRIVATE KEY", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not a pem", Origin, "is not an Ed25519 SPKI PEM public key")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAhxdEc7QIrY3sXnzZeE30zDvhLLBJitWnjL9ncJCL\n-----END PUBLIC KEY-----\n", Origin,
        "is not an Ed25519 SPKI PEM public key")]
    [InlineData(null, "", "--origin is empty")]
    [InlineData(null, "   ", "--origin is empty")]
    [InlineData(null, "has space", "cannot name a verifier key")]
    [InlineData(null, "has+plus", "cannot name a verifier key")]
    public async Task Bad_input_is_one_usage_line(string? pemText, string origin, string expected)
    {
        var pem = _publicKey;
        if (pemText is not null)
        {
            pem = Path.Combine(_dir, "bad.pem");
            await File.WriteAllTextAsync(pem, pemText);
        }

        var (exit, output, error) = await CliRunner.RunAsync("audit", "vkey", "--public-key", pem, "--origin", origin);

        AssertOneLineUsageError(exit, output, error, expected);
    }

    [Fact]
    public async Task A_missing_public_key_file_is_one_usage_line()
    {
        var (exit, output, error) = await CliRunner.RunAsync("audit", "vkey", "--public-key", Path.Combine(_dir, "absent.pem"), "--origin", Origin);

        AssertOneLineUsageError(exit, output, error, "cannot read the public key");
    }

    [Theory]
    [InlineData("audit", "vkey", "--origin", Origin)]
    [InlineData("audit", "vkey", "--public-key", "x.pem")]
    public async Task Missing_options_are_usage_errors(params string[] args)
    {
        var (exit, output, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        EvidenceSnapshot.AssertNoStackTrace(error);
    }

    private static void AssertOneLineUsageError(int exit, string output, string error, string expected)
    {
        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\r', '\n').Split('\n'));
        EvidenceSnapshot.AssertNoStackTrace(error);
    }
}
