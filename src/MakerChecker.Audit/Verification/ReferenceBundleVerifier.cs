using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Transparency;
using NSec.Cryptography;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Verification;

/// <summary>
/// The definition of a verified bundle: docs/audit-format.md section 6 ("Verification order"), one method per step,
/// in the spec's order, written to be read. It holds the whole bundle in memory and uses nothing but
/// <see cref="Utf8JsonReader"/>/<see cref="JsonDocument"/>, the RFC 8785 canonicalizer (<see cref="JsonCanonicalizer"/>),
/// <see cref="SHA256.HashData(ReadOnlySpan{byte})"/> and NSec's Ed25519. <see cref="BundleVerifier"/> is the streaming,
/// parallel accelerator; a property test holds the two to the same verdict, reason code and failing seq.
/// </summary>
internal static partial class ReferenceBundleVerifier
{
    private const string SpkiPemHeader = "-----BEGIN PUBLIC KEY-----\n";
    private const string SpkiPemFooter = "\n-----END PUBLIC KEY-----\n";
    private static readonly byte[] SpkiEd25519Prefix = Convert.FromHexString("302a300506032b6570032100");

    /// <summary>Verifies <paramref name="bundle"/>, optionally pinned to one Ed25519 SPKI PEM public key.</summary>
    /// <exception cref="ArgumentException">The pinned key is not an Ed25519 SPKI PEM public key.</exception>
    public static AuditVerdict Verify(ReadOnlySpan<byte> bundle, string? pinnedPublicKeyPem = null)
    {
        byte[]? pinned = null;
        if (pinnedPublicKeyPem is not null && !TryDecodePublicKey(pinnedPublicKeyPem.Trim() + "\n", out pinned))
        {
            throw new ArgumentException("The pinned key is not an Ed25519 SPKI PEM public key (-----BEGIN PUBLIC KEY-----).",
                nameof(pinnedPublicKeyPem));
        }

        var parsed = new Bundle();
        try
        {
            Step0ParseStrictly(bundle, parsed);
            Step1Signature(parsed, pinned);
            Step2Count(parsed);
            Step3HashSetDigest(parsed);
            Step4EveryEventHash(parsed);
            Step5Linkage(parsed);
            Step6Ends(parsed);
            Steps7And8Transparency(parsed);
            return parsed.Verdict(new AuditVerdict { IsValid = true });
        }
        catch (Refusal refusal)
        {
            return parsed.Verdict(refusal.Verdict);
        }
        catch (CanonicalJsonException ex)
        {
            return parsed.Verdict(AuditVerdict.Fail(ex.ReasonCode, ex.Message));
        }
    }

    /// <summary>
    /// audit-format.md §6 step 0 and §5: the bundle is one UTF-8 JSON object of <c>manifest</c>, then optionally
    /// <c>transparency</c>, then <c>events</c> (an array of row objects), nothing else and nothing after it; the manifest
    /// and every row are strict I-JSON (§2) and have every field with its type (§5, §4).
    /// </summary>
    private static void Step0ParseStrictly(ReadOnlySpan<byte> bytes, Bundle bundle)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            throw new CanonicalJsonException(MalformedJson, "the bundle starts with a UTF-8 byte order mark (bytes EF BB BF), which RFC 8259 " +
                "section 8.1 forbids in JSON exchanged between systems; save the file as UTF-8 without a BOM");
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 1024 });
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a bundle is a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueIsEscaped ? "" : Encoding.UTF8.GetString(reader.ValueSpan);
                if (bundle.Members.Contains(name))
                {
                    throw new CanonicalJsonException(DuplicateKey, $"the bundle has the key \"{name}\" twice");
                }

                Expect(name switch
                {
                    "manifest" => bundle.Members.Count == 0,
                    "transparency" => bundle.Members is ["manifest"],
                    "events" => bundle.Members.Contains("manifest"),
                    _ => false,
                }, "its members are \"manifest\", then optionally \"transparency\", then \"events\"");
                bundle.Members.Add(name);
                reader.Read();
                if (name == "events")
                {
                    ReadRows(ref reader, bytes, bundle);
                }
                else
                {
                    Expect(reader.TokenType == JsonTokenType.StartObject, $"\"{name}\" is not a JSON object");
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var value = bytes[start..(int)reader.BytesConsumed];
                    if (name == "manifest")
                    {
                        ReadManifest(value, bundle);
                    }
                    else
                    {
                        bundle.Transparency = value.ToArray();
                    }
                }
            }

            Expect(reader.TokenType == JsonTokenType.EndObject && bundle.Members.Contains("events"),
                "its members are \"manifest\", then optionally \"transparency\", then \"events\"");
            if (bytes[(int)reader.BytesConsumed..].IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                throw new CanonicalJsonException(TrailingData, "data follows the bundle's closing brace");
            }
        }
        catch (JsonException ex)
        {
            throw new CanonicalJsonException(MalformedJson, $"the bundle is malformed JSON (truncated?): {ex.Message}", ex);
        }
    }

    /// <summary>§5: the manifest's fields and types, <c>schemaVersion</c> 1, and <c>bundleKind</c> agreeing with <c>runId</c>.</summary>
    private static void ReadManifest(ReadOnlySpan<byte> raw, Bundle bundle)
    {
        using var json = JsonDocument.Parse(JsonCanonicalizer.Canonicalize(raw)); // refuses what §2 refuses
        var m = json.RootElement;
        string? Text(string name, bool required) =>
            m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()
            : v.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null && !required ? null
            : throw new CanonicalJsonException(MalformedManifest, $"the manifest's \"{name}\" is not a string{(required ? "" : " or null")}");

        bundle.Kind = Text("bundleKind", true)!;
        bundle.InstanceId = Text("instanceId", true)!;
        _ = Text("exportedAt", true);
        bundle.RunId = Text("runId", false);
        bundle.FirstSeq = Text("firstSeq", false);
        bundle.LastSeq = Text("lastSeq", false);
        bundle.HeadHash = Text("headHash", false);
        bundle.EventHashesDigest = Text("eventHashesDigest", true)!;
        bundle.PublicKeyPem = Text("publicKeyPem", true)!;
        bundle.Signature = Text("signature", true)!;
        bundle.Count = m.TryGetProperty("count", out var count) && count.ValueKind == JsonValueKind.Number && count.TryGetInt64(out var n) && n >= 0
            ? n : throw new CanonicalJsonException(MalformedManifest, "the manifest's \"count\" is not a non-negative integer");
        if (!m.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number ||
            !version.TryGetInt32(out var v) || v != 1)
        {
            throw new CanonicalJsonException(MalformedManifest, "the manifest's \"schemaVersion\" is not 1 (this verifier reads audit-spec v1)");
        }

        if (!(bundle.Kind == "full" && bundle.RunId is null) && !(bundle.Kind == "run" && bundle.RunId is not null))
        {
            throw new CanonicalJsonException(MalformedManifest,
                "the manifest's \"bundleKind\" must be \"full\" with a null \"runId\", or \"run\" with a \"runId\"");
        }

        // The signed bytes: the canonical manifest without the two members the signature cannot cover.
        using var signed = new MemoryStream();
        using (var writer = new Utf8JsonWriter(signed))
        {
            writer.WriteStartObject();
            foreach (var member in m.EnumerateObject().Where(p => p.Name is not ("publicKeyPem" or "signature")))
            {
                member.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        bundle.SigningBytes = JsonCanonicalizer.Canonicalize(signed.ToArray());
        bundle.Fingerprint = TryDecodePublicKey(bundle.PublicKeyPem, out var key) ? Fingerprint(key) : null; // named by every later verdict
    }

    /// <summary>
    /// audit-format.md §6 step 1 and §7: <c>publicKeyPem</c> is exactly the SPKI PEM text of an Ed25519 key, the signature
    /// is 64 bytes in canonical base64 and verifies over the signed bytes, and the key is the pinned one if one was pinned.
    /// </summary>
    private static void Step1Signature(Bundle bundle, byte[]? pinned)
    {
        if (!TryDecodePublicKey(bundle.PublicKeyPem, out var key))
        {
            throw Fail(InvalidPublicKey, "the manifest's publicKeyPem is not an Ed25519 SPKI PEM public key");
        }

        bundle.Fingerprint = Fingerprint(key);
        var signature = new byte[64];
        var verifies = Convert.TryFromBase64String(bundle.Signature, signature, out var length) && length == 64 &&
            Convert.ToBase64String(signature) == bundle.Signature &&
            PublicKey.TryImport(SignatureAlgorithm.Ed25519, key, KeyBlobFormat.RawPublicKey, out var publicKey) &&
            SignatureAlgorithm.Ed25519.Verify(publicKey!, bundle.SigningBytes, signature);
        if (!verifies)
        {
            throw Fail(SignatureInvalid, $"the manifest signature does not verify under the bundle's public key {bundle.Fingerprint}");
        }

        if (pinned is not null && !pinned.AsSpan().SequenceEqual(key))
        {
            throw Fail(PinnedKeyMismatch, $"the bundle is signed by {bundle.Fingerprint}, not by the pinned key {Fingerprint(pinned)}");
        }

        bundle.PublicKey = key;
    }

    /// <summary>audit-format.md §6 step 2: the number of rows is the manifest's <c>count</c>.</summary>
    private static void Step2Count(Bundle bundle)
    {
        if (bundle.Rows.Count != bundle.Count)
        {
            throw Fail(CountMismatch, $"event count {bundle.Rows.Count} does not match the manifest count {bundle.Count}");
        }
    }

    /// <summary>audit-format.md §6 step 3: SHA-256 of the rows' hashes joined by <c>\n</c> is <c>eventHashesDigest</c>.</summary>
    private static void Step3HashSetDigest(Bundle bundle)
    {
        var digest = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', bundle.Rows.Select(r => r.Hash)))));
        if (digest != bundle.EventHashesDigest)
        {
            throw Fail(DigestMismatch, $"event hash digest mismatch: the events' hashes give {digest}, the manifest's eventHashesDigest " +
                $"is {bundle.EventHashesDigest} (events removed, added or reordered)");
        }
    }

    /// <summary>audit-format.md §6 step 4 and §3: every row's <c>hash</c> is the SHA-256 of its hashed object.</summary>
    private static void Step4EveryEventHash(Bundle bundle)
    {
        foreach (var row in bundle.Rows)
        {
            var computed = Hex(SHA256.HashData(row.HashedBytes));
            if (computed != row.Hash)
            {
                throw Fail(HashMismatch, $"event seq {row.Seq}: hash mismatch (stored {row.Hash}, recomputed {computed})", row.Seq);
            }
        }
    }

    /// <summary>
    /// audit-format.md §6 step 5. A full bundle starts with the genesis event of §3 and each row links to the one before;
    /// a run bundle holds only rows of its run. In both, <c>seq</c> increases (gaps are allowed).
    /// </summary>
    private static void Step5Linkage(Bundle bundle)
    {
        var genesisRoot = Hex(SHA256.HashData(Encoding.UTF8.GetBytes("makerchecker-genesis:" + bundle.InstanceId)));
        for (var i = 0; i < bundle.Rows.Count; i++)
        {
            var row = bundle.Rows[i];
            if (bundle.RunId is not null && row.RunId != bundle.RunId)
            {
                throw Fail(ForeignRunEvent, $"event seq {row.Seq} (run_id {row.RunId ?? "null"}) does not belong to run {bundle.RunId}", row.Seq);
            }

            if (bundle.RunId is null && i == 0 &&
                (row.EventType != "audit.genesis" || row.GenesisInstanceId != bundle.InstanceId || row.PrevHash != genesisRoot))
            {
                throw Fail(GenesisMismatch, $"event seq {row.Seq}: the chain does not start with an audit.genesis event rooted in instance " +
                    $"{bundle.InstanceId} (prev_hash must be {genesisRoot})", row.Seq);
            }

            if (i > 0 && row.Seq <= bundle.Rows[i - 1].Seq)
            {
                throw Fail(SeqMismatch, $"event seq {row.Seq} follows seq {bundle.Rows[i - 1].Seq}: seq must increase", row.Seq);
            }

            if (bundle.RunId is null && i > 0 && row.PrevHash != bundle.Rows[i - 1].Hash)
            {
                throw Fail(BrokenChain, $"event seq {row.Seq}: broken chain: prev_hash {row.PrevHash} is not the previous event's hash " +
                    bundle.Rows[i - 1].Hash, row.Seq);
            }
        }
    }

    /// <summary>audit-format.md §6 step 6: <c>headHash</c>, <c>firstSeq</c> and <c>lastSeq</c> are the first and last rows' (all null when empty).</summary>
    private static void Step6Ends(Bundle bundle)
    {
        if (bundle.Rows.Count == 0)
        {
            if (bundle.HeadHash is not null || bundle.FirstSeq is not null || bundle.LastSeq is not null)
            {
                throw Fail(HeadMismatch, "the bundle has no events but its manifest states a head hash or seq range");
            }

            return;
        }

        var (first, last) = (bundle.Rows[0], bundle.Rows[^1]);
        if (bundle.HeadHash != last.Hash)
        {
            throw Fail(HeadMismatch, $"head hash mismatch: the last event's hash is {last.Hash}, the manifest's headHash is {bundle.HeadHash}", last.Seq);
        }

        if (bundle.FirstSeq != first.Seq.ToString(CultureInfo.InvariantCulture) || bundle.LastSeq != last.Seq.ToString(CultureInfo.InvariantCulture))
        {
            throw Fail(SeqMismatch, $"the events run from seq {first.Seq} to {last.Seq}, the manifest states firstSeq {bundle.FirstSeq} " +
                $"and lastSeq {bundle.LastSeq}");
        }
    }

    /// <summary>
    /// audit-format.md §5.1 steps 7 and 8, only when the bundle has a <c>transparency</c> member: its signed checkpoints and
    /// their consistency proofs (the signed-note and RFC 9162 code of <c>Transparency/</c>), then each checkpoint's root
    /// against the Merkle tree of the rows, whose leaf data is each row's hashed object.
    /// </summary>
    private static void Steps7And8Transparency(Bundle bundle)
    {
        if (bundle.Transparency is null)
        {
            return;
        }

        if (bundle.RunId is not null)
        {
            throw Fail(TransparencyInvalid, "a run bundle carries no transparency section: checkpoints cover the whole log, not one run");
        }

        var transparency = BundleTransparency.Parse(bundle.Transparency, bundle.PublicKey, out var failure);
        if (failure is not null)
        {
            throw new Refusal(failure);
        }

        foreach (var row in bundle.Rows)
        {
            transparency.AddLeaf(new MerkleHash(SHA256.HashData([0x00, .. row.HashedBytes])));
        }

        if (transparency.Conclude() is { } mismatch)
        {
            throw new Refusal(mismatch);
        }
    }

    /// <summary>§7: exactly <c>-----BEGIN PUBLIC KEY-----\n</c>, canonical base64 of the 44-byte DER, <c>\n-----END PUBLIC KEY-----\n</c>.</summary>
    private static bool TryDecodePublicKey(string pem, out byte[] key)
    {
        key = [];
        var der = new byte[44];
        if (!pem.StartsWith(SpkiPemHeader, StringComparison.Ordinal) || !pem.EndsWith(SpkiPemFooter, StringComparison.Ordinal) ||
            pem.Length < SpkiPemHeader.Length + SpkiPemFooter.Length)
        {
            return false;
        }

        var body = pem[SpkiPemHeader.Length..^SpkiPemFooter.Length];
        if (!Convert.TryFromBase64String(body, der, out var length) || length != 44 || Convert.ToBase64String(der) != body ||
            !der.AsSpan(0, SpkiEd25519Prefix.Length).SequenceEqual(SpkiEd25519Prefix))
        {
            return false;
        }

        key = der[SpkiEd25519Prefix.Length..];
        return true;
    }

    private static string Fingerprint(byte[] key) => "sha256:" + Hex(SHA256.HashData([.. SpkiEd25519Prefix, .. key]));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new CanonicalJsonException(MalformedJson, $"the bundle is malformed: {what}");
        }
    }

    private static Refusal Fail(string code, string reason, long? seq = null) => new(AuditVerdict.Fail(code, reason, seq));

    private sealed class Refusal(AuditVerdict verdict) : Exception(verdict.Reason)
    {
        public AuditVerdict Verdict { get; } = verdict;
    }

    /// <summary>What step 0 read, and what later steps learnt (the key, for the verdict).</summary>
    private sealed class Bundle
    {
        public List<string> Members { get; } = [];
        public List<Row> Rows { get; } = [];
        public string Kind { get; set; } = "";
        public string InstanceId { get; set; } = "";
        public string? RunId { get; set; }
        public long Count { get; set; }
        public string? FirstSeq { get; set; }
        public string? LastSeq { get; set; }
        public string? HeadHash { get; set; }
        public string EventHashesDigest { get; set; } = "";
        public string PublicKeyPem { get; set; } = "";
        public string Signature { get; set; } = "";
        public byte[] SigningBytes { get; set; } = [];
        public byte[]? Transparency { get; set; }
        public byte[] PublicKey { get; set; } = [];
        public string? Fingerprint { get; set; }

        public AuditVerdict Verdict(AuditVerdict verdict) => verdict with { KeyFingerprint = Fingerprint, EventCount = Rows.Count };
    }
}
