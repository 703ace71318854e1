using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// Writes a signed full bundle of realistic claims-review events (approval.decided with reviewer, dwell, payload
/// digest and reason; 600–900 bytes a row) straight through the chain appender, without holding the log in memory.
/// </summary>
internal static class ClaimsReviewBundle
{
    private static readonly string[] Reasons =
    [
        "Coverage confirmed against schedule B; provider in network.",
        "Medical necessity documented; prior authorisation matches.",
        "Over the reviewer's out-of-network limit: refer to a senior examiner.",
        "Duplicate suspected: same member, date of service and amount.",
    ];

    public static AuditEntry Entry(int i) => new()
    {
        Actor = new AuditActor("human", $"reviewer-{i % 97:D4}", "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = $"req-{i:D9}",
        RunId = $"claim-run-{i / 8:D8}",
        Payload = new JsonObject
        {
            ["requestId"] = $"req-{i:D9}",
            ["skill"] = "claims.approve_payment@3",
            ["reviewer"] = $"reviewer-{i % 97:D4}",
            ["decision"] = i % 5 == 0 ? "rejected" : "approved",
            ["dwellMs"] = 4000 + (i * 7919 % 90000),
            ["payloadDigest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))),
            ["policyHash"] = "sha256:9f2c1e7a4b0d3c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a",
            ["claim"] = new JsonObject { ["memberId"] = $"M-{i % 100000:D6}", ["amount"] = 125.5 + (i % 5000), ["currency"] = "EUR" },
            ["reason"] = Reasons[i % Reasons.Length],
        },
    };

    /// <summary>
    /// Writes a bundle of <paramref name="count"/> events (genesis included) to <paramref name="path"/>: as our exporter
    /// writes it, or with <paramref name="upstreamLayout"/> as the upstream server exports it (<see cref="UpstreamLayout"/>).
    /// </summary>
    public static async Task WriteAsync(string path, int count, bool upstreamLayout = false)
    {
        var eventsPath = path + ".events";
        using var signer = Ed25519AuditSigner.Generate();
        using var appender = ChainAppender.ForNewLog("bench-instance", TimeProvider.System, Guid.NewGuid);
        using var digest = new EventHashesDigest();
        using var row = new ByteBuffer(4096);
        await using (var events = File.Create(eventsPath))
        {
            for (var i = 0; i < count; i++)
            {
                var stored = appender.Append(i == 0 ? ChainAppender.Genesis("bench-instance") : ChainAppender.Prepare(Entry(i)));
                digest.Add(stored.Hash);
                row.Clear();
                stored.WriteRow(row);
                events.Write(upstreamLayout ? (i == 0 ? "\n    "u8 : ",\n    "u8) : (i == 0 ? "\n"u8 : ",\n"u8));
                events.Write(upstreamLayout ? UpstreamLayout.Row(row.WrittenSpan) : row.WrittenSpan);
            }
        }

        var manifest = new BundleManifest
        {
            BundleKind = BundleManifest.Full, InstanceId = "bench-instance", ExportedAt = OccurredAt.Format(DateTimeOffset.UtcNow),
            RunId = null, Count = count, FirstSeq = "1", LastSeq = count.ToString(CultureInfo.InvariantCulture),
            HeadHash = appender.Head.ToHex(), EventHashesDigest = digest.Hex(),
        };
        manifest = manifest with
        {
            PublicKeyPem = signer.PublicKeyPem,
            Signature = Convert.ToBase64String(await signer.SignAsync(manifest.SigningBytes())),
        };

        using var writer = new CanonicalJsonWriter();
        manifest.WriteTo(writer);
        await using (var bundle = File.Create(path))
        {
            bundle.Write(upstreamLayout ? "{\n  \"manifest\": "u8 : "{\"manifest\":"u8);
            bundle.Write(upstreamLayout ? UpstreamLayout.Manifest(writer.Output.WrittenSpan) : writer.Output.WrittenSpan);
            bundle.Write(upstreamLayout ? ",\n  \"events\": ["u8 : ",\"events\":["u8);
            await using (var events = File.OpenRead(eventsPath))
            {
                await events.CopyToAsync(bundle);
            }

            bundle.Write(upstreamLayout ? "\n  ]\n}"u8 : "\n]}\n"u8);
        }

        File.Delete(eventsPath);
    }
}
