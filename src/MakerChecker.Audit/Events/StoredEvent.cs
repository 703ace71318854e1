using System.Globalization;
using System.Text.Json;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Events;

/// <summary>
/// One event with every hashed field held in canonical JSON form: what the stores keep and what rows are
/// written from. Converting to and from <see cref="AuditEvent"/> is lossless.
/// </summary>
internal sealed class StoredEvent
{
    public required long Seq { get; init; }
    public required byte[] Id { get; init; }
    public required byte[] OccurredAt { get; init; }
    public required byte[] Actor { get; init; }
    public required byte[] EventType { get; init; }
    public required byte[] EntityType { get; init; }
    public required byte[] EntityId { get; init; }
    public required byte[] RunId { get; init; }
    public required byte[] Payload { get; init; }
    public required Hash32 PrevHash { get; init; }
    public required Hash32 Hash { get; init; }

    /// <summary>
    /// An upper bound on the length of any row an appended event can have, line break included: the payload and field
    /// limits of <see cref="AuditEntry"/> plus the fixed framing (keys, seq, id, occurredAt, hashes: under 600 bytes).
    /// </summary>
    public const int MaxRowBytes = AuditEntry.MaxPayloadBytes + (7 * AuditEntry.MaxFieldBytes) + 1024;

    /// <summary>The hashed fields, with <c>prevHash</c> rendered into <paramref name="prevHashJson"/> (66 bytes).</summary>
    public EventFields Fields(Span<byte> prevHashJson)
    {
        QuoteHex(PrevHash, prevHashJson);
        return new EventFields
        {
            Id = Id, OccurredAt = OccurredAt, Actor = Actor, EventType = EventType, EntityType = EntityType,
            EntityId = EntityId, RunId = RunId, Payload = Payload, PrevHash = prevHashJson[..66],
        };
    }

    /// <summary>Writes the snake_case row of the bundle and file formats, without a line break.</summary>
    public void WriteRow(ByteBuffer output)
    {
        Span<byte> hex = stackalloc byte[66];
        output.Write("{\"seq\":\""u8);
        Seq.TryFormat(output.GetSpan(20), out var n, provider: CultureInfo.InvariantCulture);
        output.Advance(n);
        output.Write("\",\"id\":"u8);
        output.Write(Id);
        output.Write(",\"occurred_at\":"u8);
        output.Write(OccurredAt);
        output.Write(",\"actor\":"u8);
        output.Write(Actor);
        output.Write(",\"event_type\":"u8);
        output.Write(EventType);
        output.Write(",\"entity_type\":"u8);
        output.Write(EntityType);
        output.Write(",\"entity_id\":"u8);
        output.Write(EntityId);
        output.Write(",\"run_id\":"u8);
        output.Write(RunId);
        output.Write(",\"payload\":"u8);
        output.Write(Payload);
        output.Write(",\"prev_hash\":"u8);
        QuoteHex(PrevHash, hex);
        output.Write(hex);
        output.Write(",\"hash\":"u8);
        QuoteHex(Hash, hex);
        output.Write(hex);
        output.Write((byte)'}');
    }

    /// <summary>
    /// The public form of an event just appended from <paramref name="source"/>: its text fields and payload are decoded
    /// only when read.
    /// </summary>
    public AuditEvent ToAuditEvent(AuditEntry source) => new(this, source);

    public AuditEvent ToAuditEvent()
    {
        using var actor = JsonDocument.Parse(Actor);
        using var payload = JsonDocument.Parse(Payload);
        var root = actor.RootElement;
        return new AuditEvent
        {
            Seq = Seq,
            Id = DecodeString(Id)!,
            OccurredAt = DecodeString(OccurredAt)!,
            Actor = new AuditActor(
                ActorString(root, "kind") ?? throw MissingActorMember("kind"),
                ActorString(root, "id") ?? throw MissingActorMember("id"),
                root.ValueKind == JsonValueKind.Object && root.TryGetProperty("role", out var role)
                    && role.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
                    ? throw MissingActorMember("role")
                    : ActorString(root, "role")),
            EventType = DecodeString(EventType)!,
            EntityType = DecodeString(EntityType),
            EntityId = DecodeString(EntityId),
            RunId = DecodeString(RunId),
            Payload = payload.RootElement.Clone(),
            PrevHash = PrevHash.ToHex(),
            Hash = Hash.ToHex(),
        };
    }

    // An actor that is not {id, kind[, role]} with string values can stand in a log that was written around the store
    // (the hash covers whatever object is there); reading it is an error that names the event, not a KeyNotFoundException.
    private static string? ActorString(JsonElement actor, string name) =>
        actor.ValueKind == JsonValueKind.Object && actor.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private FormatException MissingActorMember(string name) =>
        new($"Event seq {Seq}: the actor's \"{name}\" is missing or not a string (an actor is {{\"id\", \"kind\", \"role\"}}), " +
            "so the event cannot be read; the log was not written by this store.");

    /// <summary>Re-derives the canonical form of an event read from any store.</summary>
    public static StoredEvent From(AuditEvent e)
    {
        using var w = new CanonicalJsonWriter();
        if (!Hash32.TryParseHex(System.Text.Encoding.ASCII.GetBytes(e.PrevHash), out var prev) ||
            !Hash32.TryParseHex(System.Text.Encoding.ASCII.GetBytes(e.Hash), out var hash))
        {
            throw new FormatException($"Event seq {e.Seq} has a hash that is not 64 lowercase hex digits.");
        }

        return new StoredEvent
        {
            Seq = e.Seq,
            Id = EncodeString(w, e.Id),
            OccurredAt = EncodeString(w, e.OccurredAt),
            Actor = EncodeActor(w, e.Actor),
            EventType = EncodeString(w, e.EventType),
            EntityType = EncodeString(w, e.EntityType),
            EntityId = EncodeString(w, e.EntityId),
            RunId = EncodeString(w, e.RunId),
            Payload = JsonCanonicalizer.Canonicalize(Utf8(e.Payload)),
            PrevHash = prev,
            Hash = hash,
        };
    }

    private static readonly byte[] Null = "null"u8.ToArray();

    /// <summary>
    /// The element's JSON, as <c>JsonSerializer.SerializeToUtf8Bytes</c> with default options writes it (the same writer
    /// options), without the serializer's reflection, so that the tool can be compiled ahead of time.
    /// </summary>
    private static byte[] Utf8(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = 64, SkipValidation = true }))
        {
            element.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A canonical JSON string, or <c>null</c>.</summary>
    public static byte[] EncodeString(CanonicalJsonWriter w, string? value)
    {
        w.Output.Clear();
        if (value is null)
        {
            return Null; // shared: stored arrays are never written to
        }

        w.WriteString(value);
        return w.Output.ToArray();
    }

    /// <summary>The canonical actor object: <c>id</c>, <c>kind</c>, then <c>role</c> when there is one.</summary>
    public static byte[] EncodeActor(CanonicalJsonWriter w, AuditActor actor)
    {
        w.Output.Clear();
        w.Output.Write("{\"id\":"u8);
        w.WriteString(actor.Id);
        w.Output.Write(",\"kind\":"u8);
        w.WriteString(actor.Kind);
        if (actor.Role is not null)
        {
            w.Output.Write(",\"role\":"u8);
            w.WriteString(actor.Role);
        }

        w.Output.Write((byte)'}');
        return w.Output.ToArray();
    }

    /// <summary>
    /// Whether a canonical actor is exactly what <see cref="EncodeActor"/> writes (<c>id</c> and <c>kind</c> strings, then
    /// optionally a <c>role</c> string), so that decoding it into an <see cref="AuditActor"/> and encoding it back
    /// gives the same bytes. Anything else (another key, a null role, a number) is changed or refused by that round trip.
    /// </summary>
    public static bool IsEncodableActor(ReadOnlySpan<byte> canonicalActor)
    {
        var reader = new Utf8JsonReader(canonicalActor);
        return reader.Read() && reader.TokenType == JsonTokenType.StartObject &&
               IsStringProperty(ref reader, "id"u8) && IsStringProperty(ref reader, "kind"u8) &&
               reader.Read() && (reader.TokenType == JsonTokenType.EndObject ||
                                 (IsStringValueOf(ref reader, "role"u8) && reader.Read() && reader.TokenType == JsonTokenType.EndObject));

        static bool IsStringProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
            reader.Read() && IsStringValueOf(ref reader, name);

        static bool IsStringValueOf(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) =>
            reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(name) &&
            reader.Read() && reader.TokenType == JsonTokenType.String;
    }

    /// <summary>The <c>id</c> string of a canonical actor object (what <see cref="EncodeActor"/> writes, or a stored row's actor).</summary>
    public static string DecodeActorId(byte[] actor)
    {
        var reader = new Utf8JsonReader(actor);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                return reader.GetString()!;
            }
        }

        throw new InvalidOperationException("A stored actor has no id: every store writes one, so the event was not stored by a store.");
    }

    public static string? DecodeString(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }

    private static void QuoteHex(in Hash32 hash, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        hash.WriteHex(destination[1..]);
        destination[65] = (byte)'"';
    }
}
