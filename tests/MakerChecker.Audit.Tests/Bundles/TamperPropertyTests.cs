using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Bundles;

public enum MutationKind { EventByte, ManifestByte, DeleteEvent, DuplicateEvent, InsertForeignEvent, SwapEvents, TruncateTail, ResignUnderOtherKey }

/// <summary>One mutation; the numbers pick where, modulo what the bundle offers.</summary>
public sealed record Mutation(MutationKind Kind, int Where, int Which, int Byte)
{
    public override string ToString() => $"{Kind}({Where}, {Which}, {Byte})";
}

/// <summary>
/// Tamper evidence: any single mutation of a valid bundle is rejected, and a valid bundle is always accepted.
/// Bundles are small (genesis plus one to five events) so that ten thousand cases run in seconds.
/// </summary>
public sealed class TamperPropertyTests : IDisposable
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Ed25519AuditSigner _signer = Ed25519AuditSigner.Generate();
    private readonly Ed25519AuditSigner _attacker = Ed25519AuditSigner.Generate();

    private static Gen<Mutation> Mutations { get; } =
        from kind in Gen.Elements(Enum.GetValues<MutationKind>())
        from at in Gen.Choose(0, int.MaxValue)
        from which in Gen.Choose(0, int.MaxValue)
        from b in Gen.Choose(1, 255)
        select new Mutation(kind, at, which, b);

    [Property(MaxTest = 10000)]
    public Property Any_single_mutation_of_a_valid_bundle_is_rejected() =>
        Prop.ForAll(Arb.From(BundleFactory.Bundle), Arb.From(Mutations), (spec, mutation) =>
        {
            var bundle = BundleFactory.ExportAsync(spec, _signer).GetAwaiter().GetResult();
            var (tampered, pin) = Apply(bundle, spec, mutation);
            var verdict = Verify(tampered, pin);
            return (!verdict.IsValid).Label($"accepted after {mutation}: {verdict}");
        });

    [Property(MaxTest = 2000)]
    public Property A_valid_bundle_is_always_accepted_pinned_or_not() =>
        Prop.ForAll(Arb.From(BundleFactory.Bundle), spec =>
        {
            var bundle = BundleFactory.ExportAsync(spec, _signer).GetAwaiter().GetResult();
            var unpinned = Verify(bundle, null);
            var pinned = Verify(bundle, _signer.PublicKeyPem);
            return (unpinned.IsValid && pinned.IsValid && pinned.KeyFingerprint == _signer.Fingerprint)
                .Label($"unpinned: {unpinned}; pinned: {pinned}");
        });

    private static AuditVerdict Verify(byte[] bundle, string? pin)
    {
        using var stream = new MemoryStream(bundle);
        return BundleVerifier.VerifyAsync(stream, new BundleVerifierOptions { PinnedPublicKeyPem = pin }).GetAwaiter().GetResult();
    }

    private (byte[] Bundle, string? Pin) Apply(byte[] bundle, BundleSpec spec, Mutation m)
    {
        var events = ValueSpans(bundle, out var manifest);
        switch (m.Kind)
        {
            case MutationKind.EventByte when events.Count > 0:
                var row = events[m.Where % events.Count];
                var fields = row.Where(f => !(spec.RunBundle && f.Name == "seq" && events.Count > 2 && row != events[0] && row != events[^1])).ToList();
                return (ChangeByte(bundle, fields[m.Which % fields.Count], m.Byte), null);
            case MutationKind.EventByte or MutationKind.ManifestByte:
                return (ChangeByte(bundle, manifest[m.Which % manifest.Count], m.Byte), null);
            case MutationKind.TruncateTail:
                var lastBrace = Array.LastIndexOf(bundle, (byte)'}');
                return (bundle[..(m.Where % lastBrace)], null);
            case MutationKind.ResignUnderOtherKey:
                return (Resign(bundle, _attacker), _signer.PublicKeyPem);
            default:
                return (Restructure(bundle, spec, m), null);
        }
    }

    private static byte[] Restructure(byte[] bundle, BundleSpec spec, Mutation m)
    {
        var root = JsonNode.Parse(bundle)!.AsObject();
        var rows = root["events"]!.AsArray();
        var n = rows.Count;
        switch (m.Kind)
        {
            case MutationKind.DeleteEvent when n > 0:
                rows.RemoveAt(m.Where % n);
                break;
            case MutationKind.DuplicateEvent when n > 0:
                var i = m.Where % n;
                rows.Insert(i, rows[i]!.DeepClone());
                break;
            case MutationKind.SwapEvents when n > 1:
                var a = m.Where % n;
                var b = (a + 1 + (m.Which % (n - 1))) % n;
                var first = rows[a]!.DeepClone();
                rows[a] = rows[b]!.DeepClone();
                rows[b] = first;
                break;
            default: // insert an event of another (valid) log; also the fallback when there are too few events
                using (var other = Ed25519AuditSigner.Generate())
                {
                    var foreign = JsonNode.Parse(BundleFactory.ExportAsync(spec with { Instance = spec.Instance + 1, RunBundle = false }, other).GetAwaiter().GetResult())!;
                    var foreignRows = foreign["events"]!.AsArray();
                    rows.Insert(m.Which % (n + 1), foreignRows[m.Where % foreignRows.Count]!.DeepClone());
                }

                break;
        }

        return JsonSerializer.SerializeToUtf8Bytes(root, Relaxed);
    }

    /// <summary>The same bundle, its manifest re-signed by someone else: valid on its own, wrong for the pinned key.</summary>
    private static byte[] Resign(byte[] bundle, Ed25519AuditSigner attacker)
    {
        var root = JsonNode.Parse(bundle)!.AsObject();
        var manifest = root["manifest"]!.AsObject();
        manifest.Remove("publicKeyPem");
        manifest.Remove("signature");
        var signature = attacker.SignAsync(MakerChecker.Audit.Canonicalization.JsonCanonicalizer.Canonicalize(manifest)).GetAwaiter().GetResult();
        manifest["publicKeyPem"] = attacker.PublicKeyPem;
        manifest["signature"] = Convert.ToBase64String(signature);
        var resigned = JsonSerializer.SerializeToUtf8Bytes(root, Relaxed);
        Assert.True(Verify(resigned, null).IsValid, "the re-signed bundle should be valid when no key is pinned");
        return resigned;
    }

    private static byte[] ChangeByte(byte[] bundle, Field field, int delta)
    {
        var copy = (byte[])bundle.Clone();
        var at = field.Start + (delta % field.Length);
        copy[at] = (byte)((copy[at] + delta) & 0xFF); // delta is 1..255: always a different byte
        return copy;
    }

    private sealed record Field(string Name, int Start, int Length);

    /// <summary>Where each top-level value of the manifest and of every event lies in the bundle's bytes.</summary>
    private static List<List<Field>> ValueSpans(byte[] bundle, out List<Field> manifest)
    {
        manifest = [];
        var events = new List<List<Field>>();
        var reader = new Utf8JsonReader(bundle);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isManifest = reader.ValueTextEquals("manifest");
            reader.Read();
            if (isManifest)
            {
                manifest = ObjectFields(ref reader);
            }
            else
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    events.Add(ObjectFields(ref reader));
                }
            }
        }

        return events;
    }

    private static List<Field> ObjectFields(ref Utf8JsonReader reader)
    {
        var fields = new List<Field>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            int end;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
                end = (int)reader.BytesConsumed;
            }
            else
            {
                end = start + reader.ValueSpan.Length + (reader.TokenType == JsonTokenType.String ? 2 : 0);
            }

            fields.Add(new Field(name, start, end - start));
        }

        return fields;
    }

    public void Dispose()
    {
        _signer.Dispose();
        _attacker.Dispose();
    }
}
