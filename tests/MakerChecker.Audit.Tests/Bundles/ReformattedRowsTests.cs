using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Bundles;

/// <summary>
/// Rows as our exporter writes them (canonical: hashed as they are) and the same rows reformatted (keys reversed,
/// indented, non-ASCII escaped: canonicalized in full) must verify alike, and a changed value must fail alike.
/// </summary>
public sealed class ReformattedRowsTests : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();

    [Property(MaxTest = 300)]
    public Property A_bundle_verifies_alike_with_canonical_and_with_reformatted_rows() =>
        Prop.ForAll(Arb.From(BundleFactory.Bundle), spec =>
        {
            var canonical = BundleFactory.ExportAsync(spec, _signer).GetAwaiter().GetResult();
            var (a, b) = (Verify(canonical), Verify(Reformat(canonical, tamper: false)));
            var c = a.EventCount == 0 ? null : Verify(Reformat(canonical, tamper: true)); // a run bundle may be empty
            return (a.IsValid && b.IsValid && a.EventCount == b.EventCount &&
                    (c is null || (c.ReasonCode == Verification.AuditReasonCodes.HashMismatch && c.FailedSeq == FirstSeq(canonical))))
                .Label($"canonical: {a}; reformatted: {b}; tampered: {c}");
        });

    /// <summary>Reverses every object's keys inside the events and indents the whole bundle; optionally changes the first event's id.</summary>
    private static byte[] Reformat(byte[] bundle, bool tamper)
    {
        var root = JsonNode.Parse(bundle)!.AsObject();
        var events = root["events"]!.AsArray();
        var rows = events.Select(e => Reverse(e!)).ToList();
        if (tamper)
        {
            rows[0]!["id"] = rows[0]!["id"]!.GetValue<string>() + "x";
        }

        events.Clear();
        foreach (var row in rows)
        {
            events.Add(row);
        }

        return JsonSerializer.SerializeToUtf8Bytes(root, Indented);
    }

    private static long FirstSeq(byte[] bundle) => long.Parse(
        JsonNode.Parse(bundle)!["events"]![0]!["seq"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

    private static JsonNode? Reverse(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Reverse().Select(p => KeyValuePair.Create(p.Key, Reverse(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Reverse)]),
        _ => node?.DeepClone(),
    };

    private static Verification.AuditVerdict Verify(byte[] bundle)
    {
        using var stream = new MemoryStream(bundle);
        return BundleVerifier.VerifyAsync(stream).GetAwaiter().GetResult();
    }

    public void Dispose() => _signer.Dispose();
}
