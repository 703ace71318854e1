using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>Every case of the TypeScript project's audit-spec v1 vectors (vectors/makerchecker-audit-v1/index.json).</summary>
public class AuditSpecConformanceTests
{
    public static TheoryData<int> Cases()
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Vectors.Audit("index.json")));
        return [.. Enumerable.Range(0, index.RootElement.GetProperty("cases").GetArrayLength())];
    }

    /// <summary>Every case, on the fast verifier (<see cref="BundleVerifier"/>) and on the reference verifier.</summary>
    public static TheoryData<int, string> CasesOnBothVerifiers()
    {
        var data = new TheoryData<int, string>();
        foreach (var number in Cases())
        {
            data.Add(number, Fast);
            data.Add(number, Reference);
        }

        return data;
    }

    private const string Fast = "fast";
    private const string Reference = "reference";

    /// <summary>The verdict of <paramref name="verifier"/> on the bundle file at <paramref name="path"/>.</summary>
    internal static async Task<AuditVerdict> VerifyFileAsync(string verifier, string path, string? pinnedPublicKeyPem = null) =>
        verifier == Reference
            ? ReferenceBundleVerifier.Verify(await File.ReadAllBytesAsync(path), pinnedPublicKeyPem)
            : await BundleVerifier.VerifyFileAsync(path, new BundleVerifierOptions { PinnedPublicKeyPem = pinnedPublicKeyPem });

    [Fact]
    public void The_index_holds_twelve_cases() => Assert.Equal(12, Cases().Count);

    [Theory]
    [MemberData(nameof(CasesOnBothVerifiers))]
    public async Task Each_case_gives_the_expected_verdict(int number, string verifier)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Vectors.Audit("index.json")));
        var c = index.RootElement.GetProperty("cases")[number];
        string? pinned = null;
        if (c.TryGetProperty("pinKey", out var pin))
        {
            pinned = File.ReadAllText(Vectors.Audit(pin.GetString()!));
        }

        var verdict = await VerifyFileAsync(verifier, Vectors.Audit(c.GetProperty("file").GetString()!), pinned);

        var note = c.GetProperty("note").GetString();
        Assert.True(c.GetProperty("expect").GetString() == (verdict.IsValid ? "pass" : "fail"), $"{note}: {verdict}");
        if (c.TryGetProperty("reasonContains", out var words))
        {
            Assert.Contains(words.GetString()!, verdict.Reason!, StringComparison.Ordinal);
        }

        if (c.TryGetProperty("reasonCode", out var code))
        {
            Assert.Equal(code.GetString(), verdict.ReasonCode);
        }

        // The vectors' key (instance-pubkey.pem) is the one every non-attacker bundle is signed with.
        Assert.StartsWith("sha256:", verdict.KeyFingerprint);
    }

    [Theory]
    [InlineData(Fast)]
    [InlineData(Reference)]
    public async Task Seq_gaps_are_allowed_as_audit_spec_v1_says_but_seq_must_still_increase(string verifier)
    {
        // A genuine bundle whose seq skips values (an identity column after aborted transactions), re-signed with the
        // spec's fixture key: it must verify, pinned to that key.
        var gapped = Path.Combine(Vectors.Root, "interop", "gapped-seq-full.json");
        var verdict = await VerifyFileAsync(verifier, gapped, File.ReadAllText(Vectors.Audit("instance-pubkey.pem")));
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(8, verdict.EventCount);

        // Swapping two seq values (storage order going backwards) is still refused, even with the manifest re-signed.
        var text = File.ReadAllText(gapped).Replace("\"seq\": \"5\"", "\"seq\": \"TMP\"", StringComparison.Ordinal)
            .Replace("\"seq\": \"6\"", "\"seq\": \"5\"", StringComparison.Ordinal).Replace("\"seq\": \"TMP\"", "\"seq\": \"6\"", StringComparison.Ordinal);
        Assert.NotEqual(File.ReadAllText(gapped), text);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var swapped = verifier == Reference ? ReferenceBundleVerifier.Verify(bytes) : await BundleVerifier.VerifyAsync(new MemoryStream(bytes));
        Assert.False(swapped.IsValid);
        Assert.Equal(AuditReasonCodes.SeqMismatch, swapped.ReasonCode);
    }

    [Theory]
    [InlineData(Fast)]
    [InlineData(Reference)]
    public async Task A_valid_bundle_reports_the_fingerprint_of_the_SPKI_DER_key(string verifier)
    {
        var verdict = await VerifyFileAsync(verifier, Vectors.Audit("valid-full.json"));
        var pem = File.ReadAllText(Vectors.Audit("instance-pubkey.pem"));
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(der)), verdict.KeyFingerprint);
        Assert.Equal(8, verdict.EventCount);
    }

    [Theory]
    [InlineData(Fast)]
    [InlineData(Reference)]
    public async Task The_tampered_payload_is_reported_at_its_seq(string verifier)
    {
        var verdict = await VerifyFileAsync(verifier, Vectors.Audit("tampered-payload.json"));
        Assert.Equal("hash_mismatch", verdict.ReasonCode);
        Assert.NotNull(verdict.FailedSeq);
    }
}
