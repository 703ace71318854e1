using System.Text.Json.Nodes;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Testing.Browser;
using Microsoft.Playwright;

namespace MakerChecker.VerifierPage.Tests;

/// <summary>
/// The same generated files through the page and through the C# verifiers (the reference verifier, and
/// <c>BundleVerifier</c>, which <c>makerchecker audit verify</c> runs): the same validity, reason code and failing seq.
/// The files are the kinds of the reference differential test
/// (tests/MakerChecker.Audit.Tests/Bundles/ReferenceDifferentialTests.cs): every field kind changed, re-signed or re-hashed
/// or not, rendered indented, reordered, escaped or with other number forms, with a key pinned or not.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DifferentialTests(VerifierPageSession session) : IDisposable
{
    private const int Cases = 50;
    private static readonly string[] Texts = ["zoë", "漢字", "a/b", "🙂 ok", "", "x\"y", "tab\there"];
    private static readonly string[] ActorKinds = ["human", "agent", "service"];
    private static readonly string[] EventTypes = ["approval.requested", "approval.decided", "action.executed"];

    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly Ed25519AuditSigner _other = Ed25519AuditSigner.Generate();

    /// <summary>Case <paramref name="i"/>: a deterministic bundle, one transformation of it, and the key pinned (if any).</summary>
    private async Task<(byte[] Bundle, string? Pinned, string Label)> CaseAsync(int i)
    {
        var random = new Random(1300 + i);
        var events = Enumerable.Range(0, 2 + (i % 6)).Select(e => new EventSpec(
            ActorKinds[random.Next(3)],
            $"{Texts[random.Next(Texts.Length)]}-{e}",
            random.Next(2) == 0 ? null : "claims-reviewer",
            EventTypes[random.Next(3)],
            random.Next(3),
            [("reason", JsonValue.Create(Texts[random.Next(Texts.Length)])), ("dwellMs", JsonValue.Create(random.Next(-5000, 100000))),
                ("nested", new JsonObject { ["Z"] = random.Next(2) == 0, ["a1"] = new JsonArray(1.5, "é", null) })])).ToArray();
        var spec = new BundleSpec(i + 1, RunBundle: i % 4 == 3, events);
        var kinds = Enum.GetValues<TransformKind>();
        var rendering = (i % 5) switch
        {
            0 => JsonRendering.Compact,
            1 => new JsonRendering(true, KeyOrder.AsIs, false, false, NumberForm.AsIs),
            2 => new JsonRendering(false, KeyOrder.Jsonb, true, true, NumberForm.PointZero),
            3 => new JsonRendering(true, KeyOrder.Reversed, false, true, NumberForm.ExponentZero),
            _ => new JsonRendering(false, KeyOrder.Reversed, true, false, NumberForm.AsIs),
        };
        var transform = new BundleTransform(kinds[(i * 7) % kinds.Length], Where: i * 5, Which: i, Fixup: i % 3, rendering);
        var bundle = transform.Apply(await BundleFactory.ExportAsync(spec, _signer), _signer, _other.PublicKeyPem);
        var pinned = (i % 5) switch { 2 => _signer.PublicKeyPem, 4 => _other.PublicKeyPem, _ => null };
        return (bundle, pinned, $"case {i}: {transform}, pin {(pinned is null ? "none" : pinned == _signer.PublicKeyPem ? "signer" : "other")}");
    }

    [ChromiumFact]
    public async Task Fifty_generated_files_get_the_same_verdict_reason_code_and_seq_on_the_page_and_in_CSharp()
    {
        var page = await session.OpenAsync();
        var disagreements = new List<string>();
        var codes = new HashSet<string>();
        for (var i = 0; i < Cases; i++)
        {
            var (bundle, pinned, label) = await CaseAsync(i);
            var verdict = await OurEvidence.VerifyBundleAsync(bundle, pinned);
            var shown = await VerifierPageSession.CheckAsync(page,
                new FilePayload { Name = $"case-{i}.json", MimeType = "application/json", Buffer = bundle }, pinned ?? "");
            codes.Add(verdict.ReasonCode ?? "valid");
            if (shown.IsValid != verdict.IsValid || shown.ReasonCode != (verdict.ReasonCode ?? "") || shown.FailedSeq != verdict.FailedSeq)
            {
                disagreements.Add($"{label}: reference and CLI {verdict}; page {shown.Verdict} {shown.ReasonCode} seq '{shown.Seq}'");
            }
        }

        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        // The cases reach every stage of verification, not just one refusal.
        Assert.True(codes.Count >= 12, $"only {codes.Count} distinct verdicts: {string.Join(", ", codes)}");
        Assert.Contains("valid", codes);
    }

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }
}
