using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// The fast verifier (<see cref="BundleVerifier"/>, both entry points) gives the reference verifier's verdict, reason code
/// and failing seq on generated bundles: valid ones, single changes of every field kind, renderings that keep the meaning,
/// ill-formed Unicode, duplicate keys and truncations.
/// </summary>
public sealed class ReferenceDifferentialTests : IDisposable
{
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly Ed25519AuditSigner _other = Ed25519AuditSigner.Generate();

    /// <summary>A realistic log of one to thirty events, mostly short so that ten thousand cases stay quick.</summary>
    private static Gen<BundleSpec> Bundles { get; } =
        from instance in Gen.Choose(1, 1000)
        from runBundle in Gen.Elements(false, false, true)
        from count in Gen.Frequency((6, Gen.Choose(1, 5)), (3, Gen.Choose(6, 15)), (1, Gen.Choose(16, 30)))
        from events in Gen.ArrayOf(BundleFactory.Event, count)
        select new BundleSpec(instance, runBundle, events);

    internal static Gen<JsonRendering> Renderings { get; } = Gen.Frequency(
        (3, Gen.Constant(JsonRendering.Compact)),
        (2, from indented in Gen.Elements(false, true)
            from order in Gen.Elements(Enum.GetValues<KeyOrder>())
            from escapeNonAscii in Gen.Elements(false, true)
            from escapeSlash in Gen.Elements(false, true)
            from numbers in Gen.Elements(Enum.GetValues<NumberForm>())
            select new JsonRendering(indented, order, escapeNonAscii, escapeSlash, numbers)));

    private static Gen<BundleTransform> Transforms { get; } =
        from kind in Gen.Frequency((3, Gen.Constant(TransformKind.None)), (30, Gen.Elements(Enum.GetValues<TransformKind>())))
        from at in Gen.Choose(0, 1000)
        from which in Gen.Choose(0, 1000)
        from fixup in Gen.Choose(0, 2)
        from rendering in Renderings
        select new BundleTransform(kind, at, which, fixup, rendering);

    /// <summary>Who pins which key: nobody, the signer's key, or another key.</summary>
    private static Gen<int> Pins { get; } = Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)));

    [Property(MaxTest = 10000)]
    public Property The_fast_verifier_agrees_with_the_reference_verifier() =>
        Prop.ForAll(Arb.From(Bundles), Arb.From(Transforms), Arb.From(Pins), (spec, transform, pin) =>
        {
            var bundle = transform.Apply(BundleFactory.ExportAsync(spec, _signer).GetAwaiter().GetResult(), _signer, _other.PublicKeyPem);
            // Another pinned key is a change of its own, also on top of another change: step 0 is still reported first.
            var pem = pin switch { 1 => _signer.PublicKeyPem, 2 => _other.PublicKeyPem, _ => null };
            var reference = ReferenceBundleVerifier.Verify(bundle, pem);
            var fast = FastInMemory(bundle, pem);
            var agree = Same(reference, fast);
            if (agree && transform.Where % 10 == 0)
            {
                agree = Same(reference, FastFromFile(bundle, pem)); // the file entry point, on a tenth of the cases
            }

            return agree.Label($"{transform}, pin {pin}: reference {reference}; fast {fast}").Collect(reference.ReasonCode ?? "valid");
        });

    [Property(MaxTest = 300)]
    public Property Meaning_preserving_renderings_of_a_valid_bundle_verify_on_both() =>
        Prop.ForAll(Arb.From(Bundles), Arb.From(Renderings), (spec, rendering) =>
        {
            var transform = new BundleTransform(TransformKind.None, 0, 0, 0, rendering);
            var bundle = transform.Apply(BundleFactory.ExportAsync(spec, _signer).GetAwaiter().GetResult(), _signer, _other.PublicKeyPem);
            var reference = ReferenceBundleVerifier.Verify(bundle, _signer.PublicKeyPem);
            var fast = FastInMemory(bundle, _signer.PublicKeyPem);
            return (reference.IsValid && fast.IsValid && reference.KeyFingerprint == _signer.Fingerprint && reference.EventCount == fast.EventCount)
                .Label($"{rendering}: reference {reference}; fast {fast}");
        });

    [Theory]
    [InlineData(0x80)]
    [InlineData(0xC1)]
    [InlineData(0xFF)]
    public async Task A_byte_that_cannot_start_a_token_is_malformed_json_on_both_verifiers(int stray)
    {
        // Found by the property: the fast verifier called 0x80-0xC1 before a row invalid_utf8 but 0xFF malformed_json;
        // the reference (and JsonCanonicalizer) call any byte where a token must start malformed JSON.
        var spec = new BundleSpec(7, false, [new EventSpec("human", "ana", null, "approval.decided", 0, [])]);
        var bundle = await BundleFactory.ExportAsync(spec, _signer);
        var secondRow = System.Text.Encoding.UTF8.GetString(bundle).IndexOf("\n{\"seq\":\"2\"", StringComparison.Ordinal) + 1;
        Assert.True(secondRow > 0);
        byte[] broken = [.. bundle[..secondRow], (byte)stray, .. bundle[secondRow..]];

        var fast = FastInMemory(broken, null);
        var reference = ReferenceBundleVerifier.Verify(broken);

        Assert.Equal(AuditReasonCodes.MalformedJson, fast.ReasonCode);
        Assert.Equal(AuditReasonCodes.MalformedJson, reference.ReasonCode);
        Assert.Null(fast.FailedSeq);
        Assert.Null(reference.FailedSeq);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(70)]
    [InlineData(2000)]
    public async Task Deep_nesting_in_a_payload_gets_the_same_verdict_and_never_an_exception(int depth)
    {
        var bundle = System.Text.Encoding.UTF8.GetString(await BundleFactory.ExportAsync(new BundleSpec(3, false, []), _signer));
        var at = bundle.IndexOf("\"payload\":{", StringComparison.Ordinal) + "\"payload\":{".Length;
        Assert.True(at > 20);
        var deep = System.Text.Encoding.UTF8.GetBytes(bundle[..at] + "\"deep\":" + new string('[', depth) + new string(']', depth) + "," + bundle[at..]);

        var reference = ReferenceBundleVerifier.Verify(deep);
        ReferenceAgreement.AssertSame(reference, FastInMemory(deep, null));
        Assert.Equal(depth < 62 ? AuditReasonCodes.HashMismatch : AuditReasonCodes.MalformedJson, reference.ReasonCode);
        Assert.Equal(1, reference.FailedSeq);
    }

    private static bool Same(AuditVerdict a, AuditVerdict b) =>
        a.IsValid == b.IsValid && a.ReasonCode == b.ReasonCode && a.FailedSeq == b.FailedSeq && a.KeyFingerprint == b.KeyFingerprint &&
        (!a.IsValid || a.EventCount == b.EventCount);

    internal static AuditVerdict FastInMemory(byte[] bundle, string? pem)
    {
        using var stream = new MemoryStream(bundle);
        return BundleVerifier.VerifyAsync(stream, new BundleVerifierOptions { PinnedPublicKeyPem = pem }).GetAwaiter().GetResult();
    }

    private static AuditVerdict FastFromFile(byte[] bundle, string? pem)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, bundle);
            return BundleVerifier.VerifyFileAsync(path, new BundleVerifierOptions { PinnedPublicKeyPem = pem }).GetAwaiter().GetResult();
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        _signer.Dispose();
        _other.Dispose();
    }
}
