using MakerChecker.Audit.Verification;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>
/// Files damaged byte by byte (a byte changed, inserted or removed, or the file cut short), from the upstream-layout
/// (indented) conformance vectors: the page gives the reference verifier's verdict, reason code and seq, and never fails
/// to give one.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DamagedFileTests(VerifierPageSession session)
{
    private const int Cases = 60;
    private static readonly string[] Seeds = ["valid-full.json", "valid-run.json", "unicode-literal.json"];
    private static readonly byte[] Interesting = "\"\\{}[],:01-e. \n\t/un"u8.ToArray().Concat(new byte[] { 0x00, 0x80, 0xFF, 0xC3, 0xED }).ToArray();

    private static byte[] Damage(int i)
    {
        var random = new Random(4100 + i);
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "vectors", "makerchecker-audit-v1", Seeds[i % Seeds.Length])).ToList();
        for (var k = 0; k <= random.Next(2); k++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 1: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 2: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(6))); break;
                default: if (random.Next(4) == 0) bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }

        return [.. bytes];
    }

    [ChromiumFact]
    public async Task Damaged_files_get_the_reference_verifiers_verdict_reason_code_and_seq()
    {
        var page = await session.OpenAsync();
        var disagreements = new List<string>();
        var codes = new HashSet<string>();
        for (var i = 0; i < Cases; i++)
        {
            var bundle = Damage(i);
            var reference = ReferenceBundleVerifier.Verify(bundle);
            var shown = await VerifierPageSession.CheckAsync(page,
                new FilePayload { Name = $"damaged-{i}.json", MimeType = "application/json", Buffer = bundle });
            codes.Add(reference.ReasonCode ?? "valid");
            if (shown.IsValid != reference.IsValid || shown.ReasonCode != (reference.ReasonCode ?? "") || shown.FailedSeq != reference.FailedSeq)
            {
                disagreements.Add($"case {i}: reference {reference}; page {shown.Verdict} {shown.ReasonCode} seq '{shown.Seq}'");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.True(codes.Count >= 5, $"only {codes.Count} distinct verdicts: {string.Join(", ", codes)}");
    }
}
