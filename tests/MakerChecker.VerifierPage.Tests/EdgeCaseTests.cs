using System.Text;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>The corners of strict parsing where JSON readers differ: the page follows the C# verifier into each.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EdgeCaseTests(VerifierPageSession session) : IDisposable
{
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();

    private async Task<string> BundleTextAsync() =>
        Encoding.UTF8.GetString(await BundleFactory.ExportAsync(new BundleSpec(3, false, []), _signer));

    private static async Task AssertSameAsync(IPage page, byte[] bundle, string? code, long? seq)
    {
        var verdict = await OurEvidence.VerifyBundleAsync(bundle);
        var shown = await VerifierPageSession.CheckAsync(page, new FilePayload { Name = "edge.json", MimeType = "application/json", Buffer = bundle });

        Assert.Equal(code, verdict.ReasonCode);
        Assert.Equal(seq, verdict.FailedSeq);
        Assert.Equal(verdict.ReasonCode ?? "", shown.ReasonCode);
        Assert.Equal(verdict.FailedSeq, shown.FailedSeq);
    }

    /// <summary>A row, its payload and 62 arrays are 64 levels, the canonicalizer's limit; one more is refused.</summary>
    [ChromiumFact]
    public async Task Deep_nesting_in_a_payload_is_refused_at_the_same_depth()
    {
        var page = await session.OpenAsync();
        var bundle = await BundleTextAsync();
        var at = bundle.IndexOf("\"payload\":{", StringComparison.Ordinal) + "\"payload\":{".Length;
        foreach (var depth in (int[])[60, 61, 62, 63, 70, 1030, 2000])
        {
            var deep = Encoding.UTF8.GetBytes(bundle[..at] + "\"deep\":" + new string('[', depth) + new string(']', depth) + "," + bundle[at..]);
            await AssertSameAsync(page, deep, depth <= 62 ? AuditReasonCodes.HashMismatch : AuditReasonCodes.MalformedJson, 1);
        }

        // Near the bundle reader's own limit (1024, counted from the bundle, two levels above the row) the row's seq may be lost:
        // the page follows the reference verifier there (the CLI's streaming verifier checks depth from the row).
        for (var depth = 1016; depth <= 1024; depth++)
        {
            var deep = Encoding.UTF8.GetBytes(bundle[..at] + "\"deep\":" + new string('[', depth) + new string(']', depth) + "," + bundle[at..]);
            var reference = ReferenceBundleVerifier.Verify(deep);
            var shown = await VerifierPageSession.CheckAsync(page, new FilePayload { Name = "deep.json", MimeType = "application/json", Buffer = deep });
            Assert.Equal(AuditReasonCodes.MalformedJson, shown.ReasonCode);
            Assert.True(reference.FailedSeq == shown.FailedSeq, $"depth {depth}: reference seq {reference.FailedSeq}, page seq '{shown.Seq}'");
        }
    }

    [ChromiumFact]
    public async Task Stray_bytes_escaped_fields_and_bad_utf8_get_the_same_code_and_seq()
    {
        var page = await session.OpenAsync();
        var text = await BundleTextAsync();
        var bytes = Encoding.UTF8.GetBytes(text);
        var row = text.IndexOf("{\"seq\":\"1\"", StringComparison.Ordinal);

        foreach (var stray in (byte[])[0x80, 0xC1, 0xFF, (byte)'x'])
        {
            await AssertSameAsync(page, [.. bytes[..row], stray, .. bytes[row..]], AuditReasonCodes.MalformedJson, null);
        }

        // A seq written with an escape is not a seq (audit-format.md §4), and names no seq.
        await AssertSameAsync(page, OurEvidence.Replace(bytes, "\"events\"", "{\"seq\":\"1\"", "{\"seq\":\"\\u0031\""), AuditReasonCodes.MalformedEvent, null);

        // An invalid UTF-8 byte inside a string of a row is invalid_utf8 for that row.
        var payload = text.IndexOf("\"instanceId\":\"", row, StringComparison.Ordinal) + 14;
        var badUtf8 = (byte[])bytes.Clone();
        badUtf8[Encoding.UTF8.GetByteCount(text[..payload])] = 0xFF;
        await AssertSameAsync(page, badUtf8, AuditReasonCodes.InvalidUtf8, 1);

        // A syntax error inside a row, after its seq, names the row.
        await AssertSameAsync(page, OurEvidence.Replace(bytes, "{\"seq\":\"1\"", "\"actor\":{", "\"actor\":{,"), AuditReasonCodes.MalformedJson, 1);

        // A number JSON allows but two parsers could read differently, and one that is merely written differently.
        await AssertSameAsync(page, OurEvidence.Replace(bytes, "{\"seq\":\"1\"", "\"payload\":{", "\"payload\":{\"n\":1.000000000000000000001,"),
            AuditReasonCodes.AmbiguousNumber, 1);
        await AssertSameAsync(page, OurEvidence.Replace(bytes, "\"manifest\"", "\"schemaVersion\":1", "\"schemaVersion\":1.0e0"), null, null);
    }

    public void Dispose() => _signer.Dispose();
}
