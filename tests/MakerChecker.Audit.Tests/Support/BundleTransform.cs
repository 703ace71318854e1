using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Signing;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>What one transformation of a valid bundle changes.</summary>
public enum TransformKind
{
    None, Seq, Id, OccurredAt, ActorKind, ActorId, ActorRole, EventType, EntityType, EntityId, RunId, PayloadValue, PrevHash, Hash,
    ManifestCount, ManifestDigest, ManifestHead, ManifestFirstSeq, ManifestLastSeq, ManifestKind, ManifestSchema, ManifestInstance,
    Signature, PublicKey, DeleteRow, SwapRows, DuplicateRow, DuplicateKey, DuplicateMember, LoneSurrogate, InvalidUtf8, StrayBytes, Truncate,
}

/// <summary>
/// One transformation of a valid bundle: a change of one field kind (then, by <see cref="Fixup"/>, optionally the manifest
/// re-signed, or the changed row re-hashed and the manifest recomputed and re-signed, so that later checks are reached),
/// rendered in <see cref="Rendering"/>. <see cref="Where"/> and <see cref="Which"/> pick the row and the variant.
/// </summary>
public sealed record BundleTransform(TransformKind Kind, int Where, int Which, int Fixup, JsonRendering Rendering)
{
    private const string DupMarker = "__dup_marker__";
    private const string LoneMarker = "__lone_marker__";
    private const string BadMarker = "__bad_marker__";

    public override string ToString() => $"{Kind}(row {Where}, variant {Which}, fixup {Fixup}; {Rendering})";

    public byte[] Apply(byte[] bundle, IAuditSigner signer, string otherKeyPem)
    {
        var root = JsonNode.Parse(bundle)!.AsObject();
        var manifest = root["manifest"]!.AsObject();
        var rows = root["events"]!.AsArray();
        var row = rows.Count == 0 ? null : rows[Where % rows.Count]!.AsObject();
        var variant = Which % 4;
        switch (Kind)
        {
            case TransformKind.Seq when row is not null:
                var seq = long.Parse(row["seq"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
                row["seq"] = variant switch { 0 => (seq + 1).ToString(), 1 => (seq - 1).ToString(), 2 => "0" + seq, _ => JsonValue.Create(seq) };
                break;
            case TransformKind.Id when row is not null:
                row["id"] = variant switch { 0 => row["id"]!.GetValue<string>() + "x", 1 => JsonValue.Create(7), _ => null };
                break;
            case TransformKind.OccurredAt when row is not null:
                row["occurred_at"] = variant switch
                {
                    0 => "2026-06-12T09:30:59.999Z", 1 => "2026-13-12T09:30:00.000Z", 2 => "2026-06-12T09:30:00Z", _ => "2026-06-12 09:30:00.000Z",
                };
                break;
            case TransformKind.ActorKind or TransformKind.ActorId or TransformKind.ActorRole when row is not null:
                var actor = row["actor"]!.AsObject();
                var key = Kind switch { TransformKind.ActorKind => "kind", TransformKind.ActorId => "id", _ => "role" };
                if (variant == 3)
                {
                    row["actor"] = "someone"; // not an object
                }
                else if (variant == 2 || !actor.ContainsKey(key))
                {
                    actor[key] = actor.ContainsKey(key) ? null : "auditor";
                }
                else
                {
                    actor[key] = actor[key]!.GetValue<string>() + "é";
                }

                break;
            case TransformKind.EventType when row is not null:
                row["event_type"] = variant switch { 0 => "audit.genesis", 1 => "approval.decided", 2 => JsonValue.Create(1), _ => null };
                break;
            case TransformKind.EntityType or TransformKind.EntityId or TransformKind.RunId when row is not null:
                var field = Kind switch { TransformKind.EntityType => "entity_type", TransformKind.EntityId => "entity_id", _ => "run_id" };
                row[field] = variant switch { 0 => row[field] is null ? "run-a" : null, 1 => "run-b", 2 => JsonValue.Create(3), _ => "run-a/ü" };
                break;
            case TransformKind.PayloadValue when row is not null:
                var payload = row["payload"]!.AsObject();
                if (variant == 3)
                {
                    row["payload"] = new JsonArray();
                }
                else if (payload.Count == 0 || variant == 2)
                {
                    payload["added"] = variant == 2 ? 12345678901234567890m : 1;
                }
                else
                {
                    var (name, value) = payload.ElementAt(Which % payload.Count);
                    payload[name] = value is JsonValue v && v.TryGetValue(out string? s) ? s + "/" : JsonValue.Create(variant == 0 ? 0.5 : 2);
                }

                break;
            case TransformKind.PrevHash or TransformKind.Hash when row is not null:
                var hashKey = Kind == TransformKind.Hash ? "hash" : "prev_hash";
                var hex = row[hashKey]!.GetValue<string>();
                row[hashKey] = variant switch
                {
                    0 => (hex[0] == 'a' ? "b" : "a") + hex[1..], 1 => hex.ToUpperInvariant(), 2 => hex[1..],
                    _ => rows[(Where + 1) % rows.Count]!["hash"]!.GetValue<string>(),
                };
                break;
            case TransformKind.ManifestCount:
                manifest["count"] = variant switch
                {
                    0 => manifest["count"]!.GetValue<long>() + 1, 1 => manifest["count"]!.GetValue<long>() - 1, 2 => "1", _ => 1.5,
                };
                break;
            case TransformKind.ManifestDigest or TransformKind.ManifestHead:
                var name2 = Kind == TransformKind.ManifestDigest ? "eventHashesDigest" : "headHash";
                var text = manifest[name2]?.GetValue<string>() ?? new string('0', 64);
                manifest[name2] = variant switch { 0 => (text[0] == 'a' ? "b" : "a") + text[1..], 1 => text.ToUpperInvariant(), 2 => null, _ => 5 };
                break;
            case TransformKind.ManifestFirstSeq or TransformKind.ManifestLastSeq:
                var seqName = Kind == TransformKind.ManifestFirstSeq ? "firstSeq" : "lastSeq";
                manifest[seqName] = variant switch { 0 => "999", 1 => null, 2 => "01", _ => 1 };
                break;
            case TransformKind.ManifestKind:
                manifest["bundleKind"] = variant switch { 0 => manifest["runId"] is null ? "run" : "full", 1 => "partial", _ => null };
                break;
            case TransformKind.ManifestSchema:
                manifest["schemaVersion"] = variant switch { 0 => 2, 1 => "1", 2 => 1.5, _ => null };
                break;
            case TransformKind.ManifestInstance:
                manifest["instanceId"] = variant switch { 0 => manifest["instanceId"]!.GetValue<string>() + "x", 1 => null, _ => 9 };
                break;
            case TransformKind.Signature:
                var signature = manifest["signature"]!.GetValue<string>();
                manifest["signature"] = variant switch
                {
                    0 => (signature[0] == 'A' ? "B" : "A") + signature[1..], 1 => signature.TrimEnd('='), 2 => signature[..^3] + "B==", _ => "",
                };
                return Finish(root, manifest, signer, resign: false);
            case TransformKind.PublicKey:
                var pem = manifest["publicKeyPem"]!.GetValue<string>();
                manifest["publicKeyPem"] = variant switch { 0 => otherKeyPem, 1 => pem.TrimEnd('\n'), 2 => pem.Replace("\n", "\r\n"), _ => pem + " " };
                return Finish(root, manifest, signer, resign: false);
            case TransformKind.DeleteRow when row is not null:
                rows.RemoveAt(Where % rows.Count);
                break;
            case TransformKind.SwapRows when rows.Count > 1:
                var a = Where % rows.Count;
                var b = (a + 1) % rows.Count;
                (rows[a], rows[b]) = (rows[b]!.DeepClone(), rows[a]!.DeepClone());
                break;
            case TransformKind.DuplicateRow when row is not null:
                rows.Insert(Where % rows.Count, row.DeepClone());
                break;
            case TransformKind.DuplicateKey:
                var target = variant switch { 0 => manifest, 1 when row is not null => row["payload"]!.AsObject(), _ => row ?? manifest };
                if (target.Count > 0)
                {
                    var (dupName, dupValue) = target.ElementAt(Which % target.Count);
                    target[DupMarker + dupName] = dupValue?.DeepClone();
                }

                return Render(root);
            case TransformKind.LoneSurrogate or TransformKind.InvalidUtf8:
                var marker = Kind == TransformKind.LoneSurrogate ? LoneMarker : BadMarker;
                var host = variant switch { 0 => manifest, _ => row?["payload"]!.AsObject() ?? manifest };
                host[variant == 3 && host != manifest ? marker : "note"] = marker;
                return Render(root);
            case TransformKind.DuplicateMember:
                var rendered = Render(root);
                var close = Array.LastIndexOf(rendered, (byte)'}');
                return [.. rendered[..close], .. Encoding.UTF8.GetBytes(variant % 2 == 0 ? ",\"events\":[]" : ",\"manifest\":{}"), .. rendered[close..]];
            case TransformKind.StrayBytes:
                return InsertStray(Render(root), rows.Count);
            case TransformKind.Truncate:
                var whole = Finish(root, manifest, signer, resign: false);
                return whole[..(1 + (Where % (whole.Length - 1)))];
        }

        return Finish(root, manifest, signer, resign: Fixup > 0, rehash: Fixup > 1 ? row : null);
    }

    private byte[] Finish(JsonObject root, JsonObject manifest, IAuditSigner signer, bool resign, JsonObject? rehash = null)
    {
        if (rehash is not null && TryHash(rehash) is { } hash)
        {
            rehash["hash"] = hash;
            var rows = root["events"]!.AsArray();
            var hashes = rows.Select(r => r!["hash"] is JsonValue v && v.TryGetValue(out string? h) ? h : "").ToList();
            manifest["count"] = rows.Count;
            manifest["eventHashesDigest"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', hashes))));
            manifest["headHash"] = rows.Count == 0 ? null : hashes[^1];
            manifest["firstSeq"] = rows.Count == 0 ? null : rows[0]!["seq"]?.DeepClone();
            manifest["lastSeq"] = rows.Count == 0 ? null : rows[^1]!["seq"]?.DeepClone();
        }

        if (resign)
        {
            Resign(manifest, signer);
        }

        return Render(root);
    }

    private byte[] Render(JsonObject root)
    {
        var bytes = Rendering.Render(root);
        bytes = Replace(bytes, Encoding.UTF8.GetBytes("\"" + DupMarker), "\""u8.ToArray());
        var lone = (Which % 3) switch { 0 => "\\ud800", 1 => "x\\udc00", _ => "\\uD83Dz" };
        bytes = Replace(bytes, Encoding.UTF8.GetBytes(LoneMarker), Encoding.UTF8.GetBytes(lone));
        return Replace(bytes, Encoding.UTF8.GetBytes(BadMarker), (Which % 4) switch
        {
            0 => [0xFF], 1 => [0xC0, 0xAF], 2 => [0xED, 0xA0, 0x80], _ => [0xE2, 0x82],
        });
    }

    /// <summary>Bytes outside any string: a BOM, invalid UTF-8 inside or before a row, or data after the bundle.</summary>
    private byte[] InsertStray(byte[] bundle, int rowCount)
    {
        var reader = new System.Text.Json.Utf8JsonReader(bundle);
        var rowStart = -1;
        var target = rowCount == 0 ? -1 : Where % rowCount;
        while (reader.Read())
        {
            if (reader.TokenType == System.Text.Json.JsonTokenType.StartObject && reader.CurrentDepth == 2 && target-- == 0)
            {
                rowStart = (int)reader.TokenStartIndex;
                break;
            }
        }

        return (Which % 5, rowStart) switch
        {
            (0, _) => [0xEF, 0xBB, 0xBF, .. bundle],
            (1, >= 0) => [.. bundle[..(rowStart + 1)], 0xFF, .. bundle[(rowStart + 1)..]],
            (2, >= 0) => [.. bundle[..rowStart], 0x80, .. bundle[rowStart..]],
            (3, _) => [.. bundle, .. "\n{}"u8],
            _ => [.. bundle, 0xC3],
        };
    }

    /// <summary>The row's hash by the rule of audit-format.md section 3, or null when its fields do not allow one.</summary>
    private static string? TryHash(JsonObject row)
    {
        try
        {
            var hashed = new JsonObject
            {
                ["actor"] = row["actor"]?.DeepClone(), ["entityId"] = row["entity_id"]?.DeepClone(), ["entityType"] = row["entity_type"]?.DeepClone(),
                ["eventType"] = row["event_type"]?.DeepClone(), ["id"] = row["id"]?.DeepClone(), ["occurredAt"] = row["occurred_at"]?.DeepClone(),
                ["payload"] = row["payload"]?.DeepClone(), ["prevHash"] = row["prev_hash"]?.DeepClone(), ["runId"] = row["run_id"]?.DeepClone(),
            };
            return Convert.ToHexStringLower(SHA256.HashData(JsonCanonicalizer.Canonicalize(hashed)));
        }
        catch (CanonicalJsonException)
        {
            return null;
        }
    }

    private static void Resign(JsonObject manifest, IAuditSigner signer)
    {
        var unsigned = manifest.DeepClone().AsObject();
        unsigned.Remove("publicKeyPem");
        unsigned.Remove("signature");
        try
        {
            var signature = signer.SignAsync(JsonCanonicalizer.Canonicalize(unsigned)).AsTask().GetAwaiter().GetResult();
            manifest["signature"] = Convert.ToBase64String(signature);
        }
        catch (CanonicalJsonException)
        {
            // A manifest that has no canonical form cannot be signed: left as it is.
        }
    }

    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with)
    {
        var output = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length;)
        {
            if (bytes.AsSpan(i).StartsWith(find))
            {
                output.AddRange(with);
                i += find.Length;
            }
            else
            {
                output.Add(bytes[i++]);
            }
        }

        return [.. output];
    }
}
