using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Verification;

/// <summary>Section 4 (rows) and section 3 (the hashed object) of the reference verifier.</summary>
internal static partial class ReferenceBundleVerifier
{
    private static readonly string[] RowKeys =
        ["seq", "id", "occurred_at", "actor", "event_type", "entity_type", "entity_id", "run_id", "payload", "prev_hash", "hash"];

    /// <summary>§4: every element of <c>events</c> is a row object with exactly the eleven keys, each of its type.</summary>
    private static void ReadRows(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes, Bundle bundle)
    {
        Expect(reader.TokenType == JsonTokenType.StartArray, "\"events\" is not a JSON array");
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(reader.TokenType == JsonTokenType.StartObject, "an event is not a JSON object");
            var start = (int)reader.TokenStartIndex;
            CheckRowSyntax(bytes[start..], bundle.Rows.Count);
            reader.Skip();
            var raw = bytes[start..(int)reader.BytesConsumed];
            try
            {
                bundle.Rows.Add(ReadRow(raw));
            }
            catch (CanonicalJsonException ex)
            {
                var seq = SeqForReport(raw);
                throw new Refusal(AuditVerdict.Fail(ex.ReasonCode,
                    $"event #{bundle.Rows.Count + 1}{(seq is null ? "" : $" (seq {seq})")}: {ex.Message}", seq));
            }
        }
    }

    /// <summary>
    /// A row that is not well-formed JSON is refused as that row (with its seq when it can be read), unless the bundle
    /// simply ends inside it (truncated).
    /// </summary>
    private static void CheckRowSyntax(ReadOnlySpan<byte> fromRowStart, int rowsBefore)
    {
        var row = new Utf8JsonReader(fromRowStart, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 1024 }));
        try
        {
            row.Read();
            row.TrySkip(); // false: the data ends inside the row, which the bundle's own reading reports
        }
        catch (JsonException ex)
        {
            var seq = SeqForReport(fromRowStart);
            throw new Refusal(AuditVerdict.Fail(MalformedJson,
                $"event #{rowsBefore + 1}{(seq is null ? "" : $" (seq {seq})")}: an event row is malformed JSON: {ex.Message}", seq));
        }
    }

    /// <summary>
    /// The reference's judgement of one row on its own (for the fast verifier, which asks only about a row it found
    /// bad): the error <see cref="CheckRowSyntax"/> or <see cref="ReadRow"/> gives with the seq reported, or null when the
    /// row is well-formed. <paramref name="fromRowStart"/> may run past the row; ending inside it is a truncated bundle.
    /// </summary>
    internal static (CanonicalJsonException? Error, long? Seq) RowError(ReadOnlySpan<byte> fromRowStart)
    {
        var reader = new Utf8JsonReader(fromRowStart, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 1024 }));
        try
        {
            reader.Read();
            if (!reader.TrySkip())
            {
                return (new CanonicalJsonException(MalformedJson, "the bundle is malformed JSON (truncated?): it ends inside an event row"), null);
            }
        }
        catch (JsonException ex)
        {
            return (new CanonicalJsonException(MalformedJson, $"an event row is malformed JSON: {ex.Message}"), SeqForReport(fromRowStart));
        }

        var raw = fromRowStart[..(int)reader.BytesConsumed];
        var bundleDepth = new Utf8JsonReader(raw, new JsonReaderOptions { MaxDepth = 1022 }); // step 0's reader: a row is 2 levels down
        try
        {
            bundleDepth.Read();
            bundleDepth.Skip();
        }
        catch (JsonException ex)
        {
            return (new CanonicalJsonException(MalformedJson, $"the bundle is malformed JSON (truncated?): {ex.Message}"), null);
        }

        try
        {
            ReadRow(raw);
            return (null, null);
        }
        catch (CanonicalJsonException ex)
        {
            return (ex, SeqForReport(raw));
        }
    }

    private static Row ReadRow(ReadOnlySpan<byte> raw)
    {
        JsonCanonicalizer.Canonicalize(raw); // §2: duplicate keys, invalid UTF-8, lone surrogates, ambiguous numbers
        var literal = new Dictionary<string, bool>(); // whether a string value is written without escapes
        var scan = new Utf8JsonReader(raw);
        scan.Read();
        while (scan.Read() && scan.TokenType == JsonTokenType.PropertyName)
        {
            var key = scan.GetString()!;
            if (!RowKeys.Contains(key))
            {
                throw Malformed($"an event row has an unknown field \"{key}\"");
            }

            scan.Read();
            literal[key] = scan.TokenType == JsonTokenType.String && !scan.ValueIsEscaped;
            scan.Skip();
        }

        if (RowKeys.FirstOrDefault(k => !literal.ContainsKey(k)) is { } missing)
        {
            throw Malformed($"an event row has no \"{missing}\" field");
        }

        using var json = JsonDocument.Parse(raw.ToArray());
        var e = json.RootElement;
        var row = new Row
        {
            Seq = literal["seq"] && IsSeqText(e.GetProperty("seq").GetString()!)
                ? long.Parse(e.GetProperty("seq").GetString()!, CultureInfo.InvariantCulture)
                : throw Malformed("an event's \"seq\" is not a decimal string without leading zeros"),
        };
        foreach (var key in (string[])["prev_hash", "hash"])
        {
            if (!literal[key] || !IsLowercaseHex64(e.GetProperty(key).GetString()!))
            {
                throw Malformed($"event seq {row.Seq}: \"{key}\" is not 64 lowercase hex digits");
            }
        }

        Check(e, row.Seq, JsonValueKind.String, "id", "occurred_at", "event_type");
        Check(e, row.Seq, JsonValueKind.Object, "actor", "payload");
        foreach (var key in (string[])["entity_type", "entity_id", "run_id"])
        {
            if (e.GetProperty(key).ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                throw Malformed($"event seq {row.Seq}: \"{key}\" is neither a string nor null");
            }
        }

        if (!literal["occurred_at"] || !Events.OccurredAt.IsValid(Encoding.UTF8.GetBytes(e.GetProperty("occurred_at").GetString()!)))
        {
            throw Malformed($"event seq {row.Seq}: \"occurred_at\" is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ");
        }

        row.Hash = e.GetProperty("hash").GetString()!;
        row.PrevHash = e.GetProperty("prev_hash").GetString()!;
        row.EventType = e.GetProperty("event_type").GetString()!;
        row.RunId = e.GetProperty("run_id").GetString();
        row.HashedBytes = HashedObject(e);
        using var payload = JsonDocument.Parse(JsonCanonicalizer.Canonicalize(RawValue(e, "payload")));
        row.GenesisInstanceId = payload.RootElement.EnumerateObject().Count() == 1 &&
            payload.RootElement.TryGetProperty("instanceId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        return row;
    }

    /// <summary>
    /// §3: the RFC 8785 form of the nine hashed fields with camelCase keys. The keys below are already in JCS order,
    /// so the canonical object is the keys with each value in canonical form.
    /// </summary>
    private static byte[] HashedObject(JsonElement row)
    {
        (string Name, string RowKey)[] fields =
        [
            ("actor", "actor"), ("entityId", "entity_id"), ("entityType", "entity_type"), ("eventType", "event_type"), ("id", "id"),
            ("occurredAt", "occurred_at"), ("payload", "payload"), ("prevHash", "prev_hash"), ("runId", "run_id"),
        ];
        var output = new List<byte>();
        foreach (var (name, rowKey) in fields)
        {
            output.AddRange(Encoding.UTF8.GetBytes((output.Count == 0 ? "{\"" : ",\"") + name + "\":"));
            output.AddRange(JsonCanonicalizer.Canonicalize(RawValue(row, rowKey)));
        }

        output.Add((byte)'}');
        return [.. output];
    }

    private static bool IsSeqText(string s) => s.Length is > 0 and <= 18 && s[0] != '0' && s.All(char.IsAsciiDigit);

    private static bool IsLowercaseHex64(string s) => s.Length == 64 && s.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static ReadOnlySpan<byte> RawValue(JsonElement row, string key) => JsonMarshal.GetRawUtf8Value(row.GetProperty(key));

    private static void Check(JsonElement row, long seq, JsonValueKind kind, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (row.GetProperty(key).ValueKind != kind)
            {
                throw Malformed($"event seq {seq}: \"{key}\" is not {(kind == JsonValueKind.Object ? "an object" : "a string")}");
            }
        }
    }

    /// <summary>The row's seq for an error report, when its <c>seq</c> can be read.</summary>
    private static long? SeqForReport(ReadOnlySpan<byte> raw)
    {
        try
        {
            var reader = new Utf8JsonReader(raw);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSeq = reader.ValueTextEquals("seq"u8);
                reader.Read();
                if (isSeq && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped &&
                    IsSeqText(Encoding.UTF8.GetString(reader.ValueSpan)))
                {
                    return long.Parse(reader.ValueSpan, CultureInfo.InvariantCulture);
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Too broken to say (a key with an escaped lone surrogate makes ValueTextEquals throw the latter).
        }

        return null;
    }

    private static CanonicalJsonException Malformed(string message) => new(MalformedEvent, message);

    /// <summary>One row as §4 defines it, with the canonical object its hash covers.</summary>
    private sealed class Row
    {
        public long Seq { get; init; }
        public string Hash { get; set; } = "";
        public string PrevHash { get; set; } = "";
        public string EventType { get; set; } = "";
        public string? RunId { get; set; }
        public string? GenesisInstanceId { get; set; }
        public byte[] HashedBytes { get; set; } = [];
    }

}
