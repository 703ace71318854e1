using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// The fast verifier gives the reference verifier's verdict, reason code and failing seq on byte-damaged copies of the
/// upstream vectors and of bundles our exporter writes: one byte replaced, deleted or duplicated at seeded positions.
/// </summary>
public sealed class DamagedBytesDifferentialTests
{
    private const int PositionsPerFile = 45;

    /// <summary>Replacement bytes: a quote, a lone continuation byte, structure, a digit, a space, a backslash.</summary>
    private static readonly byte[] Replacements = [(byte)'"', 0x80, (byte)'}', (byte)',', (byte)'0', (byte)' ', (byte)'\\'];

    [Fact]
    public async Task The_fast_verifier_agrees_with_the_reference_on_every_damaged_byte()
    {
        var files = new List<(string Name, byte[] Bytes)>();
        foreach (var path in Directory.GetFiles(Path.Combine(Vectors.Root, "makerchecker-audit-v1"), "*.json").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(path) != "index.json")
            {
                files.Add((Path.GetFileName(path), File.ReadAllBytes(path)));
            }
        }

        files.Add(("gapped-seq-full.json", File.ReadAllBytes(Path.Combine(Vectors.Root, "interop", "gapped-seq-full.json"))));
        using (var signer = Ed25519AuditSigner.Generate())
        {
            var spec = new Random(13);
            for (var i = 0; i < 3; i++)
            {
                var events = Enumerable.Range(0, 4 + i * 3)
                    .Select(n => new EventSpec(n % 2 == 0 ? "human" : "agent", $"actor-{n}é", n % 3 == 0 ? null : "claims-reviewer",
                        n % 2 == 0 ? "approval.requested" : "approval.decided", spec.Next(0, 3),
                        [("note", $"line {n} \"quoted\" \u00e9\u4e2d\U0001F600"), ("amount", n * 10)]))
                    .ToArray();
                files.Add(($"exported-{i}", await BundleFactory.ExportAsync(new BundleSpec(100 + i, i == 2, events), signer)));
            }
        }

        var cases = 0;
        var disagreements = new List<string>();
        foreach (var (name, original) in files)
        {
            var random = new Random(name.Aggregate(17, (h, c) => h * 31 + c));
            for (var p = 0; p < PositionsPerFile; p++)
            {
                var at = random.Next(original.Length);
                foreach (var (label, damaged) in Damages(original, at))
                {
                    cases++;
                    var reference = ReferenceBundleVerifier.Verify(damaged);
                    var fast = ReferenceDifferentialTests.FastInMemory(damaged, null);
                    if (reference.IsValid != fast.IsValid || reference.ReasonCode != fast.ReasonCode || reference.FailedSeq != fast.FailedSeq)
                    {
                        disagreements.Add($"{name} byte {at} {label}: reference {reference}; fast {fast}");
                    }
                }
            }
        }

        Assert.True(cases > 5000, $"only {cases} cases");
        Assert.True(disagreements.Count == 0,
            $"{disagreements.Count} of {cases} damaged copies disagree, e.g.:\n{string.Join("\n", disagreements.Take(12))}");
    }

    [Theory]
    [InlineData(1018)]
    [InlineData(1019)]
    [InlineData(1020)]
    [InlineData(1021)]
    [InlineData(1022)]
    [InlineData(1023)]
    [InlineData(1024)]
    public async Task Nesting_near_the_readers_depth_limit_gets_the_same_verdict_and_seq(int depth)
    {
        // Found by the byte-damage search: at these depths the reference refuses the bundle (no seq), the fast verifier the row.
        using var signer = Ed25519AuditSigner.Generate();
        var bundle = System.Text.Encoding.UTF8.GetString(await BundleFactory.ExportAsync(new BundleSpec(3, false, []), signer));
        var at = bundle.IndexOf("\"payload\":{", StringComparison.Ordinal) + "\"payload\":{".Length;
        Assert.True(at > 20);
        var deep = System.Text.Encoding.UTF8.GetBytes(bundle[..at] + "\"deep\":" + new string('[', depth) + new string(']', depth) + "," + bundle[at..]);

        ReferenceAgreement.AssertSame(ReferenceBundleVerifier.Verify(deep), ReferenceDifferentialTests.FastInMemory(deep, null));
    }

    private static IEnumerable<(string Label, byte[] Bytes)> Damages(byte[] original, int at)
    {
        foreach (var b in Replacements)
        {
            if (original[at] != b)
            {
                var copy = (byte[])original.Clone();
                copy[at] = b;
                yield return ($"replaced by 0x{b:x2}", copy);
            }
        }

        yield return ("deleted", [.. original.AsSpan(0, at), .. original.AsSpan(at + 1)]);
        yield return ("duplicated", [.. original.AsSpan(0, at + 1), .. original.AsSpan(at)]);
    }
}
