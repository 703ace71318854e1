using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Bundles;

/// <summary>
/// A bundle's manifest (audit-spec v1): what the events must add up to, signed with Ed25519 over the RFC 8785 form
/// of the manifest without <c>publicKeyPem</c> and <c>signature</c>.
/// </summary>
internal sealed record BundleManifest
{
    public const string Full = "full";
    public const string Run = "run";

    public required string BundleKind { get; init; }
    public required string InstanceId { get; init; }
    public required string ExportedAt { get; init; }
    public required string? RunId { get; init; }
    public required long Count { get; init; }
    public required string? FirstSeq { get; init; }
    public required string? LastSeq { get; init; }
    public required string? HeadHash { get; init; }
    public required string EventHashesDigest { get; init; }
    public string PublicKeyPem { get; init; } = "";
    public string Signature { get; init; } = "";

    /// <summary>The bytes the signature covers, for a manifest being written.</summary>
    public byte[] SigningBytes()
    {
        using var w = new CanonicalJsonWriter();
        WriteFields(w, signed: false);
        return w.Output.ToArray();
    }

    /// <summary>Writes the manifest object in the field order of the spec's examples.</summary>
    public void WriteTo(CanonicalJsonWriter w) => WriteFields(w, signed: true);

    private void WriteFields(CanonicalJsonWriter w, bool signed)
    {
        var o = w.Output;
        // Without the key and signature the object must be canonical (sorted keys), so build it through JCS.
        if (!signed)
        {
            var node = new JsonObject
            {
                ["bundleKind"] = BundleKind, ["schemaVersion"] = 1, ["instanceId"] = InstanceId, ["exportedAt"] = ExportedAt,
                ["runId"] = RunId, ["count"] = Count, ["firstSeq"] = FirstSeq, ["lastSeq"] = LastSeq, ["headHash"] = HeadHash,
                ["eventHashesDigest"] = EventHashesDigest,
            };
            JsonCanonicalizer.Write(node, w);
            return;
        }

        o.Write("{\"bundleKind\":"u8);
        w.WriteString(BundleKind);
        o.Write(",\"schemaVersion\":1,\"instanceId\":"u8);
        w.WriteString(InstanceId);
        o.Write(",\"exportedAt\":"u8);
        w.WriteString(ExportedAt);
        o.Write(",\"runId\":"u8);
        WriteNullable(w, RunId);
        o.Write(",\"count\":"u8);
        w.WriteDocument(System.Text.Encoding.ASCII.GetBytes(Count.ToString(CultureInfo.InvariantCulture)));
        o.Write(",\"firstSeq\":"u8);
        WriteNullable(w, FirstSeq);
        o.Write(",\"lastSeq\":"u8);
        WriteNullable(w, LastSeq);
        o.Write(",\"headHash\":"u8);
        WriteNullable(w, HeadHash);
        o.Write(",\"eventHashesDigest\":"u8);
        w.WriteString(EventHashesDigest);
        o.Write(",\"publicKeyPem\":"u8);
        w.WriteString(PublicKeyPem);
        o.Write(",\"signature\":"u8);
        w.WriteString(Signature);
        o.Write((byte)'}');
    }

    private static void WriteNullable(CanonicalJsonWriter w, string? value)
    {
        if (value is null)
        {
            w.Output.Write("null"u8);
        }
        else
        {
            w.WriteString(value);
        }
    }

    /// <summary>
    /// Reads a manifest from its raw JSON object strictly, and returns the exact bytes its signature must cover:
    /// the RFC 8785 form of the object as received, minus <c>publicKeyPem</c> and <c>signature</c>.
    /// </summary>
    /// <exception cref="CanonicalJsonException">The manifest is not I-JSON or lacks a field of the right type.</exception>
    public static (BundleManifest Manifest, byte[] SigningBytes) Parse(ReadOnlySpan<byte> raw)
    {
        var canonical = JsonCanonicalizer.Canonicalize(raw);
        var node = JsonNode.Parse(canonical) as JsonObject
            ?? throw Malformed("the manifest is not a JSON object");
        try
        {
            var manifest = new BundleManifest
            {
                BundleKind = RequiredString(node, "bundleKind"),
                InstanceId = RequiredString(node, "instanceId"),
                ExportedAt = RequiredString(node, "exportedAt"),
                RunId = OptionalString(node, "runId"),
                Count = node["count"] is JsonValue count && count.GetValueKind() == JsonValueKind.Number && count.TryGetValue(out long n) && n >= 0
                    ? n : throw Malformed("the manifest's \"count\" is not a non-negative integer"),
                FirstSeq = OptionalString(node, "firstSeq"),
                LastSeq = OptionalString(node, "lastSeq"),
                HeadHash = OptionalString(node, "headHash"),
                EventHashesDigest = RequiredString(node, "eventHashesDigest"),
                PublicKeyPem = RequiredString(node, "publicKeyPem"),
                Signature = RequiredString(node, "signature"),
            };
            if (node["schemaVersion"] is not JsonValue version || version.GetValueKind() != JsonValueKind.Number || !version.TryGetValue(out int v) || v != 1)
            {
                throw Malformed("the manifest's \"schemaVersion\" is not 1 (this verifier reads audit-spec v1)");
            }

            if (manifest.BundleKind is not (Full or Run) || (manifest.BundleKind == Full) != (manifest.RunId is null))
            {
                throw Malformed("the manifest's \"bundleKind\" must be \"full\" with a null \"runId\", or \"run\" with a \"runId\"");
            }

            node.Remove("publicKeyPem");
            node.Remove("signature");
            return (manifest, JsonCanonicalizer.Canonicalize(node));
        }
        catch (InvalidOperationException ex)
        {
            throw new CanonicalJsonException(MalformedManifest, $"the manifest has a field of the wrong type: {ex.Message}", ex);
        }
    }

    private static string RequiredString(JsonObject node, string name) =>
        OptionalString(node, name) ?? throw Malformed($"the manifest has no \"{name}\" string");

    private static string? OptionalString(JsonObject node, string name) => node[name] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw Malformed($"the manifest's \"{name}\" is not a string or null"),
    };

    private static CanonicalJsonException Malformed(string message) => new(MalformedManifest, message);
}
