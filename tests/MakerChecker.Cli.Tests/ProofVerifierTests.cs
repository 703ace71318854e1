using System.Diagnostics;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// The upstream proof-verifier (github.com/sammysltd/MakerChecker, packages/proof-verifier, Apache-2.0; not vendored here)
/// accepts a case pack's run bundle and rejects a tampered one. It runs when node is installed and
/// <c>MAKERCHECKER_PROOF_VERIFIER</c> names its <c>src/cli.js</c>; otherwise it is skipped, saying so (CI does not fetch it).
/// </summary>
public sealed class ProofVerifierTests : IDisposable
{
    private const string Variable = "MAKERCHECKER_PROOF_VERIFIER";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-proof-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ProofVerifierFact]
    public async Task The_upstream_proof_verifier_accepts_a_case_packs_run_bundle_and_rejects_a_tampered_one()
    {
        const string Subject = "claim:C-1009";
        var (log, key, pub) = (Path.Combine(_dir, "audit.jsonl"), Path.Combine(_dir, "key.pem"), Path.Combine(_dir, "key.pub.pem"));
        Ed25519KeyFile.Create(key, pub);
        await AppendAsync(await FileAuditStore.OpenAsync(log), null, key, Enumerable.Range(1, 9).Select(i => i % 2 == 0 ? CaseEntry(i, Subject) : Entry(i)));
        var pack = Path.Combine(_dir, "case");
        var (exit, _, error) = await CliRunner.RunAsync("audit", "export", log, "--case", Subject, "--key", key, "--out", pack);
        Assert.True(exit == 0, error);
        var bundle = Path.Combine(pack, "run-bundle.json");

        var (code, output) = await RunAsync("verify", bundle, "--key", pub);
        Assert.True(code == 0, output);
        Assert.StartsWith("PASS  4 events, single run", output, StringComparison.Ordinal);

        var tampered = Path.Combine(_dir, "tampered.json");
        await File.WriteAllTextAsync(tampered, (await File.ReadAllTextAsync(bundle)).Replace("approved", "rejected", StringComparison.Ordinal));
        (code, output) = await RunAsync("verify", tampered, "--key", pub);
        Assert.Equal(1, code);
        Assert.StartsWith("FAIL", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Environment.GetEnvironmentVariable(Variable)!);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    /// <summary>Skipped, saying why, unless node is on the PATH and <c>MAKERCHECKER_PROOF_VERIFIER</c> names the verifier's cli.js.</summary>
    public sealed class ProofVerifierFactAttribute : FactAttribute
    {
        /// <summary>Sets <see cref="FactAttribute.Skip"/> when the verifier is not at hand.</summary>
        public ProofVerifierFactAttribute()
        {
            var cli = Environment.GetEnvironmentVariable(Variable);
            var node = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")));
            if (!node || cli is null || !File.Exists(cli))
            {
                Skip = $"The upstream proof-verifier is not at hand: install node and set {Variable} to packages/proof-verifier/src/cli.js " +
                    "of github.com/sammysltd/MakerChecker.";
            }
        }
    }
}
