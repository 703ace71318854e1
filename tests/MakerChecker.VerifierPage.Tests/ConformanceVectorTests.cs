using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Testing.Browser;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>The upstream audit-spec v1 conformance vectors (tests/MakerChecker.Audit.Tests/vectors): the page gives each case
/// the verdict the vector expects, and the C# verifier's reason code and seq.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConformanceVectorTests(VerifierPageSession session)
{
    private static readonly string Vectors = Path.Combine(AppContext.BaseDirectory, "vectors", "makerchecker-audit-v1");

    [ChromiumFact]
    public async Task Every_vector_case_gets_the_expected_verdict_and_the_CLI_reason_code()
    {
        var page = await session.OpenAsync();
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Vectors, "index.json")));
        var cases = 0;
        foreach (var c in index.RootElement.GetProperty("cases").EnumerateArray())
        {
            var file = Path.Combine(Vectors, c.GetProperty("file").GetString()!);
            var pem = c.TryGetProperty("pinKey", out var pin) ? File.ReadAllText(Path.Combine(Vectors, pin.GetString()!)) : null;
            var expectPass = c.GetProperty("expect").GetString() == "pass";

            var shown = await VerifierPageSession.CheckFileAsync(page, file, pem ?? "");
            var cli = await BundleVerifier.VerifyFileAsync(file, new BundleVerifierOptions { PinnedPublicKeyPem = pem });
            var reference = await OurEvidence.VerifyBundleAsync(File.ReadAllBytes(file), pem);
            Assert.Equal(reference.ReasonCode, cli.ReasonCode);

            var label = $"{c.GetProperty("file").GetString()} (pin {pem is not null}): page {shown}, C# {cli}";
            Assert.True(expectPass == shown.IsValid, label);
            Assert.Equal(cli.IsValid, shown.IsValid);
            Assert.Equal(cli.ReasonCode ?? "", shown.ReasonCode);
            Assert.Equal(cli.FailedSeq, shown.FailedSeq);
            if (c.TryGetProperty("reasonCode", out var code))
            {
                Assert.Equal(code.GetString(), shown.ReasonCode);
            }

            Assert.Contains(expectPass ? "Verified" : "Not verified", shown.Text, StringComparison.Ordinal);
            cases++;
        }

        Assert.Equal(12, cases);
    }

    [ChromiumFact]
    public async Task A_bundle_with_gaps_in_seq_verifies_as_audit_spec_v1_allows()
    {
        var page = await session.OpenAsync();
        var shown = await VerifierPageSession.CheckFileAsync(page, Path.Combine(AppContext.BaseDirectory, "vectors", "interop", "gapped-seq-full.json"));

        Assert.True(shown.IsValid, shown.ToString());
        Assert.Equal("full bundle", shown.Kind);
    }
}
