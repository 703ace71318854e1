using System.Buffers.Text;
using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Verification.AuditReasonCodes;

namespace MakerChecker.Audit.Events;

/// <summary>What the chain checks need from one row, plus the hash recomputed from its content.</summary>
internal struct ParsedRow
{
    public long Seq;
    public Hash32 Hash;
    public Hash32 PrevHash;
    public Hash32 ComputedHash;
    public Transparency.MerkleHash LeafHash; // only when the bundle carries a transparency section
    public string? RunId; // only when the parser checks run membership (EventRowParser.ExpectedRunId)
    public bool IsGenesis;
    public string? GenesisInstanceId;
}

/// <summary>
/// Reads one snake_case event row (a bundle element or a line of the file store) strictly, canonicalizes its
/// hashed fields and recomputes its hash. Not thread-safe: one instance per thread.
/// </summary>
internal sealed partial class EventRowParser : IDisposable
{
    private const int FieldCount = 11;
    private static readonly byte[][] FieldNames =
    [
        "seq"u8.ToArray(), "id"u8.ToArray(), "occurred_at"u8.ToArray(), "actor"u8.ToArray(), "event_type"u8.ToArray(),
        "entity_type"u8.ToArray(), "entity_id"u8.ToArray(), "run_id"u8.ToArray(), "payload"u8.ToArray(),
        "prev_hash"u8.ToArray(), "hash"u8.ToArray(),
    ];

    private const int Seq = 0, Id = 1, OccurredAtField = 2, Actor = 3, EventType = 4, EntityType = 5, EntityId = 6,
        RunId = 7, Payload = 8, PrevHash = 9, HashField = 10;

    private readonly CanonicalJsonWriter _writer = new();
    private readonly ByteBuffer _scratch = new(2048);
    private readonly EventSha256 _sha = new();
    private readonly Segment[] _segments = new Segment[FieldCount];
    private string? _expectedRunId;
    private byte[] _expectedRunIdJson = [];
    private bool _rowIsValidUtf8; // of the row the reader path is reading

    /// <summary>
    /// The run whose membership the caller checks (a run bundle's), or null for a full log. Only then is
    /// <see cref="ParsedRow.RunId"/> filled in: with this very string when the row's run_id is this run, so that
    /// matching rows allocate nothing, and with the row's own run id otherwise. A full log's checks do not use it.
    /// </summary>
    public string? ExpectedRunId
    {
        get => _expectedRunId;
        set
        {
            _expectedRunId = value;
            _expectedRunIdJson = value is null ? [] : StoredEvent.EncodeString(_writer, value);
        }
    }

    public ParsedRow Parse(ReadOnlySpan<byte> row) => Parse(row, out _);

    /// <summary>The canonical JSON the last parsed row's hash was computed over: its Merkle leaf data.</summary>
    public ReadOnlySpan<byte> LastHashedBytes => _scratch.WrittenSpan;

    /// <summary>Parses a row and also returns it in canonical form, as the stores keep events.</summary>
    public StoredEvent ParseStored(ReadOnlySpan<byte> row, bool verifyHash = true)
    {
        var parsed = Parse(row, out var fields);
        if (verifyHash && !parsed.ComputedHash.Equals(parsed.Hash))
        {
            throw HashMismatchOnRead(parsed.Seq);
        }

        return new StoredEvent
        {
            Seq = parsed.Seq, Id = fields.Id.ToArray(), OccurredAt = fields.OccurredAt.ToArray(),
            Actor = fields.Actor.ToArray(), EventType = fields.EventType.ToArray(),
            EntityType = fields.EntityType.ToArray(), EntityId = fields.EntityId.ToArray(),
            RunId = fields.RunId.ToArray(), Payload = fields.Payload.ToArray(),
            PrevHash = parsed.PrevHash, Hash = parsed.Hash,
        };
    }

    /// <summary>The canonical actor of the last row parsed from <paramref name="row"/> (which must be that same row).</summary>
    public ReadOnlySpan<byte> LastActor(ReadOnlySpan<byte> row) => Canonical(row, Actor);

    /// <summary>What a store that checks hashes as it reads throws for a row whose hash does not match its content.</summary>
    public static CanonicalJsonException HashMismatchOnRead(long seq) => new(HashMismatch, $"event seq {seq}: hash mismatch");

    private ParsedRow Parse(ReadOnlySpan<byte> row, out EventFields fields)
    {
        _writer.Output.Clear();
        var result = default(ParsedRow);
        var recognized = UsesRecognizer && TryRecognize(row, ref result);
        if (!recognized)
        {
            // Not the exact layout our exporters and upstream's write (or not valid UTF-8, which the recognizer checks
            // string by string): the reader path decides, exactly as it would alone.
            _writer.Output.Clear();
            result = default;
            _rowIsValidUtf8 = System.Text.Unicode.Utf8.IsValid(row);
            ReadRow(row, ref result);
        }

        fields = new EventFields
        {
            Id = Canonical(row, Id), OccurredAt = Canonical(row, OccurredAtField), Actor = Canonical(row, Actor),
            EventType = Canonical(row, EventType), EntityType = Canonical(row, EntityType),
            EntityId = Canonical(row, EntityId), RunId = Canonical(row, RunId), Payload = Canonical(row, Payload),
            PrevHash = Canonical(row, PrevHash),
        };
        // The recognizer has already written the hashed object (into _scratch, where some of the fields lie).
        result.ComputedHash = recognized ? _sha.Hash(_scratch.WrittenSpan) : AuditEventHasher.Compute(fields, _scratch, _sha);
        if (fields.EventType.SequenceEqual("\"audit.genesis\""u8))
        {
            result.IsGenesis = true;
            result.GenesisInstanceId = GenesisInstanceId(fields.Payload);
        }

        if (_expectedRunId is not null && fields.RunId[0] == '"')
        {
            result.RunId = DecodeRunId(fields.RunId);
        }

        return result;
    }

    /// <summary>
    /// The reader path: reads any row strictly with <c>Utf8JsonReader</c>, refusing with a reason code what the audit
    /// format or I-JSON forbids, and records each hashed field's canonical JSON (see <see cref="ReadCanonical"/>).
    /// </summary>
    private void ReadRow(ReadOnlySpan<byte> row, ref ParsedRow result)
    {
        _writer.CopiesCanonicalTokens = _rowIsValidUtf8;
        var seen = 0;
        var reader = new Utf8JsonReader(row, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed("an event row is not a JSON object");
            }

            var field = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                field = FieldIndex(ref reader, field);
                if ((seen & (1 << field)) != 0)
                {
                    throw new CanonicalJsonException(DuplicateKey,
                        $"an event row has the key \"{System.Text.Encoding.UTF8.GetString(FieldNames[field])}\" twice");
                }

                seen |= 1 << field;
                reader.Read();
                ReadField(ref reader, row, field, ref result);
            }

            if (reader.Read())
            {
                throw new CanonicalJsonException(TrailingData, "data follows an event row");
            }
        }
        catch (JsonException ex)
        {
            throw new CanonicalJsonException(MalformedJson, $"an event row is malformed JSON: {ex.Message}", ex);
        }

        if (seen != (1 << FieldCount) - 1)
        {
            var missing = System.Numerics.BitOperations.TrailingZeroCount(~seen); // not a lambda: it would allocate on every row
            throw Malformed($"an event row has no \"{System.Text.Encoding.UTF8.GetString(FieldNames[missing])}\" field");
        }
    }

    private void ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> row, int field, ref ParsedRow result)
    {
        switch (field)
        {
            case Seq:
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped ||
                    !TryParseSeq(reader.ValueSpan, out result.Seq))
                {
                    throw Malformed("an event's \"seq\" is not a decimal string without leading zeros");
                }

                break;
            case PrevHash or HashField:
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped ||
                    !Hash32.TryParseHex(reader.ValueSpan, out var hash))
                {
                    throw Malformed($"event seq {result.Seq}: \"{(field == HashField ? "hash" : "prev_hash")}\" is not 64 lowercase hex digits");
                }

                if (field == HashField)
                {
                    result.Hash = hash;
                }
                else
                {
                    result.PrevHash = hash;
                    ReadCanonical(ref reader, row, field);
                }

                break;
            case Actor or Payload:
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Malformed($"event seq {result.Seq}: \"{(field == Actor ? "actor" : "payload")}\" is not an object");
                }

                ReadCanonical(ref reader, row, field);
                break;
            case Id or OccurredAtField or EventType:
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw Malformed($"event seq {result.Seq}: \"{System.Text.Encoding.UTF8.GetString(FieldNames[field])}\" is not a string");
                }

                if (field == OccurredAtField && (reader.ValueIsEscaped || !OccurredAt.IsValid(reader.ValueSpan)))
                {
                    throw Malformed($"event seq {result.Seq}: \"occurred_at\" is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ");
                }

                ReadCanonical(ref reader, row, field);
                break;
            default: // entity_type, entity_id, run_id: a string or null
                if (reader.TokenType is not (JsonTokenType.Null or JsonTokenType.String))
                {
                    throw Malformed($"event seq {result.Seq}: \"{System.Text.Encoding.UTF8.GetString(FieldNames[field])}\" is neither a string nor null");
                }

                ReadCanonical(ref reader, row, field);
                break;
        }
    }

    /// <summary>
    /// Records the field's canonical JSON: the row's own bytes when they already are canonical (as our exporters
    /// write them), otherwise the writer's canonical form of the value, which also refuses what I-JSON forbids.
    /// </summary>
    private void ReadCanonical(ref Utf8JsonReader reader, ReadOnlySpan<byte> row, int field)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            ReadCanonicalComposite(ref reader, row, field);
        }
        else if (CanonicalFastPath.TryRead(ref reader, row, _rowIsValidUtf8, out var start, out var length))
        {
            _segments[field] = new Segment(SegmentIn.Row, start, length);
        }
        else
        {
            WriteCanonical(ref reader, field); // a scalar: the fast path has not moved the reader
        }
    }

    /// <summary>An object or array moves the reader: a copy of it taken first lets the writer start the value again.</summary>
    private void ReadCanonicalComposite(ref Utf8JsonReader reader, ReadOnlySpan<byte> row, int field)
    {
        var atValue = reader;
        if (CanonicalFastPath.TryRead(ref reader, row, _rowIsValidUtf8, out var start, out var length))
        {
            _segments[field] = new Segment(SegmentIn.Row, start, length);
            return;
        }

        reader = atValue;
        WriteCanonical(ref reader, field);
    }

    private void WriteCanonical(ref Utf8JsonReader reader, int field)
    {
        var outputStart = _writer.Output.Length;
        _writer.WriteValue(ref reader);
        _segments[field] = new Segment(SegmentIn.Output, outputStart, _writer.Output.Length - outputStart);
    }

    /// <summary>The run id from its canonical JSON string (escapes resolved, surrogates already checked).</summary>
    private string? DecodeRunId(ReadOnlySpan<byte> canonical) =>
        canonical.SequenceEqual(_expectedRunIdJson) ? _expectedRunId
        : canonical.IndexOf((byte)'\\') < 0 ? System.Text.Encoding.UTF8.GetString(canonical[1..^1])
        : StringValue(canonical);

    private static string? StringValue(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return reader.GetString();
    }

    /// <summary>The field the key names, trying first the one after <paramref name="previous"/>: rows are written in field order.</summary>
    private int FieldIndex(ref Utf8JsonReader reader, int previous)
    {
        try
        {
            for (var i = 1; i <= FieldCount; i++)
            {
                var candidate = (previous + i) % FieldCount;
                if (reader.ValueTextEquals(FieldNames[candidate]))
                {
                    return candidate;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The reader unescapes an escaped key to compare it, and throws on an escaped lone surrogate: refuse the
            // key as the canonicalizer refuses such a string (and as the reference verifier, which canonicalizes first).
            throw _rowIsValidUtf8
                ? new CanonicalJsonException(IllFormedString, "an event row has a key with an unpaired UTF-16 surrogate, which I-JSON (RFC 7493) forbids")
                : new CanonicalJsonException(InvalidUtf8, "an event row has a key that is not valid UTF-8");
        }

        throw Malformed($"an event row has an unknown field \"{KeyForMessage(ref reader)}\"");
    }

    /// <summary>The key as text for an error message, even when it is not valid UTF-8 (GetString would throw).</summary>
    private static string KeyForMessage(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return System.Text.Encoding.UTF8.GetString(reader.ValueSpan); // invalid bytes shown as U+FFFD
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // nine a row
    private ReadOnlySpan<byte> Canonical(ReadOnlySpan<byte> row, int field)
    {
        var segment = _segments[field];
        return (segment.In == SegmentIn.Row ? row : segment.In == SegmentIn.Output ? _writer.Output.WrittenSpan : _scratch.WrittenSpan)
            .Slice(segment.Start, segment.Length);
    }

    /// <summary>The instance id when the payload is exactly <c>{"instanceId": string}</c>; otherwise null.</summary>
    private static string? GenesisInstanceId(ReadOnlySpan<byte> canonicalPayload)
    {
        using var doc = JsonDocument.Parse(canonicalPayload.ToArray());
        var root = doc.RootElement;
        return root.EnumerateObject().Count() == 1 && root.TryGetProperty("instanceId", out var id) &&
               id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;
    }

    internal static bool TryParseSeq(ReadOnlySpan<byte> text, out long seq)
    {
        seq = 0;
        return text.Length is > 0 and <= 18 && text[0] != '0' && text.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0 &&
               Utf8Parser.TryParse(text, out seq, out var consumed) && consumed == text.Length;
    }

    private static CanonicalJsonException Malformed(string message) => new(MalformedEvent, message);

    /// <summary>Where a field's canonical JSON lies: in the row itself, in the writer's output, or in the hashed object.</summary>
    private readonly record struct Segment(SegmentIn In, int Start, int Length);

    private enum SegmentIn : byte
    {
        Row,
        Output,
        HashedObject, // the recognizer wrote it straight into its place there (see TryRecognize)
    }

    public void Dispose()
    {
        _writer.Dispose();
        _scratch.Dispose();
        _sha.Dispose();
    }
}
