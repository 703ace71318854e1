using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace MakerChecker.Audit.Events;

/// <summary>
/// One record of the audit log, exactly as it was hashed: the audit-spec v1 fields plus its storage position
/// (<see cref="Seq"/>) and its own <see cref="Hash"/>.
/// </summary>
public sealed class AuditEvent
{
    // An event a store has just appended carries the canonical fields it was hashed from, and decodes its text fields and
    // payload only when they are read: the gate that appended it reads its seq and chain position, not its text.
    private readonly StoredEvent? _stored;
    private string? _id;
    private string? _occurredAt;
    private string? _prevHash;
    private string? _hash;
    private StrongBox<JsonElement>? _payload;

    /// <summary>Creates an event; set every required member.</summary>
    public AuditEvent()
    {
    }

    /// <summary>The public form of <paramref name="stored"/>, just appended from <paramref name="source"/>.</summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // The text fields are never null: each is decoded from the stored event when first read.
    internal AuditEvent(StoredEvent stored, AuditEntry source)
#pragma warning restore CS8618
    {
        _stored = stored;
        Seq = stored.Seq;
        Actor = source.Actor;
        EventType = source.EventType;
        EntityType = source.EntityType;
        EntityId = source.EntityId;
        RunId = source.RunId;
    }

    /// <summary>The canonical fields of an event a store has just appended; <see langword="null"/> for one read or built.</summary>
    internal StoredEvent? Stored => _stored;

    /// <summary>Storage order, starting at 1 for the genesis event. Not covered by the hash.</summary>
    public required long Seq { get; init; }

    /// <summary>The event's unique identifier (a UUID string).</summary>
    public required string Id
    {
        get => _id ??= Unquoted(_stored!.Id); // a UUID: no escapes
        init => _id = value;
    }

    /// <summary>When the event was recorded, as the exact text that was hashed: <c>YYYY-MM-DDTHH:MM:SS.mmmZ</c>.</summary>
    public required string OccurredAt
    {
        get => _occurredAt ??= Unquoted(_stored!.OccurredAt); // digits and punctuation: no escapes
        init => _occurredAt = value;
    }

    /// <summary>Who caused the event.</summary>
    public required AuditActor Actor { get; init; }

    /// <summary>The event type, for example <c>approval.decided</c>.</summary>
    public required string EventType { get; init; }

    /// <summary>The kind of entity the event is about; or <see langword="null"/>.</summary>
    public string? EntityType { get; init; }

    /// <summary>The identifier of the entity the event is about; or <see langword="null"/>.</summary>
    public string? EntityId { get; init; }

    /// <summary>The run the event belongs to; or <see langword="null"/>.</summary>
    public string? RunId { get; init; }

    /// <summary>The event's payload (an immutable JSON object).</summary>
    public required JsonElement Payload
    {
        get => (_payload ??= new StrongBox<JsonElement>(Parsed(_stored!.Payload))).Value;
        init => _payload = new StrongBox<JsonElement>(value);
    }

    /// <summary>The previous event's <see cref="Hash"/>, or the genesis root for the first event (lowercase hex).</summary>
    public required string PrevHash
    {
        get => _prevHash ??= _stored!.PrevHash.ToHex();
        init => _prevHash = value;
    }

    /// <summary>Lowercase hex SHA-256 of the event's RFC 8785 canonical form.</summary>
    public required string Hash
    {
        get => _hash ??= _stored!.Hash.ToHex();
        init => _hash = value;
    }

    /// <summary>
    /// Whether <paramref name="next"/> names <paramref name="previous"/> as its predecessor (its <see cref="PrevHash"/> is
    /// <paramref name="previous"/>'s <see cref="Hash"/>): compared as digests when a store made both, else as text.
    /// </summary>
    internal static bool Follows(AuditEvent next, AuditEvent previous) =>
        next._stored is { } n && previous._stored is { } p ? n.PrevHash.Equals(p.Hash) : next.PrevHash == previous.Hash;

    private static string Unquoted(byte[] json) => Encoding.UTF8.GetString(json.AsSpan(1, json.Length - 2));

    private static JsonElement Parsed(byte[] canonical)
    {
        using var document = JsonDocument.Parse(canonical);
        return document.RootElement.Clone();
    }
}
