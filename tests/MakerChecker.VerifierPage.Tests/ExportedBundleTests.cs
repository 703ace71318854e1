using System.Text;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Verification;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>
/// Bundles our exporter writes, valid and tampered: the page names the same reason code and seq as the reference verifier
/// and <c>makerchecker audit verify</c>, and the code each tampering must give.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ExportedBundleTests(VerifierPageSession session) : IDisposable
{
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly Ed25519AuditSigner _other = Ed25519AuditSigner.Generate();

    private async Task<PageVerdict> AssertSameAsCliAsync(IPage page, byte[] bundle, string? expectedCode, long? expectedSeq = null,
        string? pinnedPem = null, string name = "bundle.json")
    {
        var shown = await VerifierPageSession.CheckAsync(page, new FilePayload { Name = name, MimeType = "application/json", Buffer = bundle },
            pinnedPem ?? "");
        var verdict = await OurEvidence.VerifyBundleAsync(bundle, pinnedPem);

        Assert.Equal(expectedCode, verdict.ReasonCode); // the case is what it claims to be
        Assert.Equal(expectedSeq, verdict.FailedSeq);
        Assert.Equal(verdict.IsValid ? "valid" : "invalid", shown.Verdict);
        Assert.Equal(verdict.ReasonCode ?? "", shown.ReasonCode);
        Assert.Equal(verdict.FailedSeq, shown.FailedSeq);
        if (verdict.IsValid)
        {
            Assert.Contains($"{verdict.EventCount} events", shown.Text, StringComparison.Ordinal);
            Assert.Contains(verdict.KeyFingerprint!, shown.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(verdict.ReasonCode!, shown.Text, StringComparison.Ordinal);
            Assert.Contains("do not rely on this file", shown.Text, StringComparison.Ordinal);
        }

        return shown;
    }

    [ChromiumFact]
    public async Task Our_full_bundle_with_checkpoints_and_our_run_bundle_verify()
    {
        var page = await session.OpenAsync();

        var full = await AssertSameAsCliAsync(page, await OurEvidence.FullBundleAsync(_signer, 20, checkpoints: true), null);
        Assert.Equal("full bundle", full.Kind);
        Assert.Contains("21 events", full.Text, StringComparison.Ordinal);
        Assert.Contains("and the signed checkpoints", full.Text, StringComparison.Ordinal);
        Assert.Contains("(not pinned)", full.Text, StringComparison.Ordinal);

        var pinned = await AssertSameAsCliAsync(page, await OurEvidence.FullBundleAsync(_signer, 5), null, pinnedPem: _signer.PublicKeyPem);
        Assert.Contains("(pinned)", pinned.Text, StringComparison.Ordinal);

        var run = await AssertSameAsCliAsync(page, await OurEvidence.RunBundleAsync(_signer, 12), null);
        Assert.Equal("run bundle", run.Kind);
        Assert.Contains(OurEvidence.Run, run.Text, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task Each_tampering_gets_its_reason_code_and_seq()
    {
        var page = await session.OpenAsync();
        var bundle = await OurEvidence.FullBundleAsync(_signer, 8);

        // A changed payload byte: the row's hash no longer matches its content.
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "{\"seq\":\"4\"", "approved", "approvex"), AuditReasonCodes.HashMismatch, 4);

        // A changed stored hash: the set of hashes is no longer the signed one.
        var lines = OurEvidence.Lines(bundle);
        var row4 = lines.FindIndex(l => l.StartsWith("{\"seq\":\"4\"", StringComparison.Ordinal));
        Assert.True(row4 > 0);
        var hashAt = lines[row4].IndexOf("\"hash\":\"", StringComparison.Ordinal) + 8;
        var flipped = new List<string>(lines);
        flipped[row4] = lines[row4][..hashAt] + (lines[row4][hashAt] == '0' ? '1' : '0') + lines[row4][(hashAt + 1)..];
        await AssertSameAsCliAsync(page, OurEvidence.Join(flipped), AuditReasonCodes.DigestMismatch);

        // A changed signature.
        var signatureAt = Encoding.UTF8.GetString(bundle).IndexOf("\"signature\":\"", StringComparison.Ordinal) + 13;
        var badSignature = (byte[])bundle.Clone();
        badSignature[signatureAt] = (byte)(badSignature[signatureAt] == 'A' ? 'B' : 'A');
        await AssertSameAsCliAsync(page, badSignature, AuditReasonCodes.SignatureInvalid);

        // A removed row (a gap in seq): fewer events than signed.
        var gap = new List<string>(lines);
        gap.RemoveAt(row4);
        await AssertSameAsCliAsync(page, OurEvidence.Join(gap), AuditReasonCodes.CountMismatch);

        // A renumbered row: seq no longer increases (seq is not hashed, its order is checked).
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "{\"seq\":\"4\"", "{\"seq\":\"4\"", "{\"seq\":\"3\""), AuditReasonCodes.SeqMismatch, 3);

        // Two rows swapped.
        var swapped = new List<string>(lines);
        (swapped[row4], swapped[row4 + 1]) = (swapped[row4 + 1], swapped[row4]);
        swapped[row4] = swapped[row4].TrimEnd(',') + ",";
        swapped[row4 + 1] = swapped[row4 + 1].TrimEnd(',') + (lines[row4 + 1].EndsWith(',') ? "," : "");
        await AssertSameAsCliAsync(page, OurEvidence.Join(swapped), AuditReasonCodes.DigestMismatch);

        // Cut off inside a row: truncated, no seq.
        var text = Encoding.UTF8.GetString(bundle);
        var cut = Encoding.UTF8.GetBytes(text[..(text.IndexOf("{\"seq\":\"6\"", StringComparison.Ordinal) + 40)]);
        await AssertSameAsCliAsync(page, cut, AuditReasonCodes.MalformedJson);

        // Signed by someone else than the pinned key.
        await AssertSameAsCliAsync(page, bundle, AuditReasonCodes.PinnedKeyMismatch, pinnedPem: _other.PublicKeyPem);
    }

    [ChromiumFact]
    public async Task A_changed_checkpoint_in_the_transparency_section_is_refused()
    {
        var page = await session.OpenAsync();
        var bundle = await OurEvidence.FullBundleAsync(_signer, 10, checkpoints: true);

        // A checkpoint's size changed: its signature no longer verifies.
        var resized = OurEvidence.Replace(bundle, "\"transparency\"", $"{OurEvidence.Origin}\\n4\\n", $"{OurEvidence.Origin}\\n3\\n");
        await AssertSameAsCliAsync(page, resized, AuditReasonCodes.TransparencyInvalid);
    }

    [ChromiumFact]
    public async Task Checkpoints_of_another_log_signed_by_the_same_key_do_not_match_the_events()
    {
        var page = await session.OpenAsync();
        var ours = Encoding.UTF8.GetString(await OurEvidence.FullBundleAsync(_signer, 10, checkpoints: true));
        foreach (var events in (int[])[10, 20])
        {
            // Another log under the same key: its transparency section is well signed and consistent, but of other events
            // (and, from the longer log, of more events than the bundle holds).
            var other = Encoding.UTF8.GetString(await OurEvidence.FullBundleAsync(_signer, events, checkpoints: true));
            var spliced = Section(ours).Before + Section(other).Section + Section(ours).After;

            await AssertSameAsCliAsync(page, Encoding.UTF8.GetBytes(spliced), AuditReasonCodes.CheckpointMismatch);
        }
    }

    private static (string Before, string Section, string After) Section(string bundle)
    {
        var start = bundle.IndexOf(",\"transparency\":", StringComparison.Ordinal);
        var end = bundle.IndexOf(",\"events\":[", StringComparison.Ordinal);
        Assert.True(start > 0 && end > start);
        return (bundle[..start], bundle[start..end], bundle[end..]);
    }

    [ChromiumFact]
    public async Task Input_that_is_not_a_bundle_gets_one_clear_verdict()
    {
        var page = await session.OpenAsync();
        var bundle = await OurEvidence.FullBundleAsync(_signer, 3);

        await AssertSameAsCliAsync(page, "this is not JSON"u8.ToArray(), AuditReasonCodes.MalformedJson, name: "notes.txt");
        await AssertSameAsCliAsync(page, [], AuditReasonCodes.MalformedJson, name: "empty.json");
        await AssertSameAsCliAsync(page, [0xEF, 0xBB, 0xBF, .. bundle], AuditReasonCodes.MalformedJson);
        await AssertSameAsCliAsync(page, [.. bundle, .. "{}"u8], AuditReasonCodes.TrailingData);
        await AssertSameAsCliAsync(page, "[1, 2, 3]"u8.ToArray(), AuditReasonCodes.MalformedJson);
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "{\"seq\":\"2\"", "\"approved\"", "\"\\ud800\""),
            AuditReasonCodes.IllFormedString, 2);
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "{\"seq\":\"3\"", "\"dwellMs\":", "\"dwellMs\":12345678901234567890,\"x\":"),
            AuditReasonCodes.AmbiguousNumber, 3);
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "{\"seq\":\"2\"", "\"decision\":", "\"decision\":1,\"decision\":"),
            AuditReasonCodes.DuplicateKey, 2);
        await AssertSameAsCliAsync(page, OurEvidence.Replace(bundle, "\"manifest\"", "\"schemaVersion\":1", "\"schemaVersion\":2"),
            AuditReasonCodes.MalformedManifest);
    }

    [ChromiumFact]
    public async Task A_file_over_the_limit_is_refused_before_it_is_read_with_a_clear_message()
    {
        var page = await session.OpenAsync();
        var path = Path.Combine(Path.GetTempPath(), $"mc-huge-{Guid.NewGuid():N}.json");
        try
        {
            using (var file = File.Create(path))
            {
                file.SetLength(33L * 1024 * 1024); // one MiB over the page's stated 32 MiB
            }

            await page.EvalOnSelectorAsync("#verdict", "v => { v.dataset.verdict = 'pending'; }");
            await page.SetInputFilesAsync("#file", path);
            var shown = await VerifierPageSession.ReadVerdictAsync(page);

            Assert.Equal("error", shown.Verdict);
            Assert.Contains("33.0 MiB, more than this page checks (32 MiB)", shown.Text, StringComparison.Ordinal);
            Assert.Contains("makerchecker audit verify", shown.Text, StringComparison.Ordinal);
            Assert.Contains("32 MiB", await page.InnerTextAsync("#file-hint"), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [ChromiumFact]
    public async Task A_key_that_is_not_a_key_or_the_wrong_kind_of_key_is_said_so_and_nothing_is_verified()
    {
        var page = await session.OpenAsync();
        var bundle = new FilePayload { Name = "bundle.json", MimeType = "application/json", Buffer = await OurEvidence.FullBundleAsync(_signer, 2) };

        var garbage = await VerifierPageSession.CheckAsync(page, bundle, "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----");
        Assert.Equal("error", garbage.Verdict);
        Assert.Contains("not an Ed25519 SPKI PEM public key", garbage.Text, StringComparison.Ordinal);

        var (_, vkey) = await OurEvidence.ReceiptAsync(_signer, 2, 1);
        var wrongKind = await VerifierPageSession.CheckAsync(page, bundle, vkey);
        Assert.Equal("error", wrongKind.Verdict);
        Assert.Contains("give the instance's public key PEM, not a verifier key", wrongKind.Text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }
}
