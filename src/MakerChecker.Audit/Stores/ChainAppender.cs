using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>An entry whose caller-supplied fields are already canonical; preparing it needs no lock.</summary>
internal readonly record struct PreparedEntry(byte[] Actor, byte[] EventType, byte[] EntityType, byte[] EntityId, byte[] RunId, byte[] Payload);

/// <summary>
/// The append step every store shares: it gives the next event its seq, id, occurredAt and prevHash, and hashes
/// it. The caller serializes calls to <see cref="Next"/>.
/// </summary>
internal sealed class ChainAppender(string instanceId, TimeProvider time, Func<Guid> newId, long lastSeq, Hash32 head) : IDisposable
{
    private const int MaxNames = 256;
    private static readonly ConcurrentDictionary<string, byte[]> Names = new(StringComparer.Ordinal);

    private readonly ByteBuffer _scratch = new(2048);

    public string InstanceId => instanceId;
    public long LastSeq { get; private set; } = lastSeq;
    public Hash32 Head { get; private set; } = head;

    /// <summary>Starts a new log: the chain is empty and rooted in the instance id.</summary>
    public static ChainAppender ForNewLog(string instanceId, TimeProvider time, Func<Guid> newId) =>
        new(instanceId, time, newId, 0, AuditEventHasher.GenesisRoot(instanceId));

    /// <summary>Canonicalizes what the caller supplied, refusing what a store must never acknowledge. Thread-safe.</summary>
    /// <exception cref="AuditStoreException">
    /// The entry is not valid I-JSON (for example a string holds a lone surrogate), its payload exceeds
    /// <see cref="AuditEntry.MaxPayloadBytes"/>, or another field exceeds <see cref="AuditEntry.MaxFieldBytes"/>.
    /// </exception>
    public static PreparedEntry Prepare(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.Actor);
        ArgumentException.ThrowIfNullOrEmpty(entry.EventType);
        var source = entry.CanonicalSource;
        if (source is null) ArgumentNullException.ThrowIfNull(entry.Payload);
        var w = CanonicalJsonWriter.Rent();
        try
        {
            CheckActorField(w, entry, "actor id", entry.Actor.Id);
            CheckActorField(w, entry, "actor kind", entry.Actor.Kind);
            CheckActorField(w, entry, "actor role", entry.Actor.Role);
            var prepared = new PreparedEntry(
                ActorBytes(w, entry.Actor),
                Bounded(entry, "event type", Name(w, entry.EventType)),
                Bounded(entry, "entity type", Name(w, entry.EntityType)),
                EntityIdBytes(w, entry),
                Bounded(entry, "run id", StoredEvent.EncodeString(w, entry.RunId)),
                source is null ? JsonCanonicalizer.Canonicalize(entry.Payload) : Canonical(w, source));
            if (prepared.Payload.Length > AuditEntry.MaxPayloadBytes)
            {
                throw new AuditStoreException(
                    $"The {Describe(entry)} entry cannot be recorded: its payload is {prepared.Payload.Length} bytes of canonical JSON, " +
                    $"more than the {AuditEntry.MaxPayloadBytes} allowed. Record a digest of large content instead.");
            }

            return prepared;
        }
        catch (CanonicalJsonException ex)
        {
            throw new AuditStoreException($"The {Describe(entry)} entry cannot be recorded: {ex.Message}", ex);
        }
        finally
        {
            CanonicalJsonWriter.Return(w);
        }
    }

    /// <summary>
    /// An event or entity type, canonical: the few a log uses are encoded once and shared (the stored arrays are never
    /// written to), up to <see cref="MaxNames"/>; any other is encoded each time.
    /// </summary>
    private static byte[] Name(CanonicalJsonWriter w, string? name)
    {
        if (name is null) return StoredEvent.EncodeString(w, null);
        if (Names.TryGetValue(name, out var known)) return known;
        var encoded = StoredEvent.EncodeString(w, name);
        if (Names.Count < MaxNames && encoded.Length <= 128) Names.TryAdd(name, encoded);
        return encoded;
    }

    /// <summary>
    /// The canonical actor: this thread's last one when it is the same instance (an actor is immutable, and callers such
    /// as the gate reuse one per principal, so a decision and its outcome share it); the stored arrays are never written to.
    /// </summary>
    private static byte[] ActorBytes(CanonicalJsonWriter w, AuditActor actor)
    {
        if (ReferenceEquals(actor, t_lastActor)) return t_lastActorBytes!;
        var encoded = StoredEvent.EncodeActor(w, actor);
        (t_lastActor, t_lastActorBytes) = (actor, encoded);
        return encoded;
    }

    /// <summary>
    /// The canonical entity id: this thread's last one when it is the same string instance (a gate records an invocation's
    /// decision and its outcome under one id string, so they share the stored array); the stored arrays are never written to.
    /// </summary>
    private static byte[] EntityIdBytes(CanonicalJsonWriter w, AuditEntry entry)
    {
        if (entry.EntityId is { } id && ReferenceEquals(id, t_lastEntityId)) return t_lastEntityIdBytes!;
        var encoded = Bounded(entry, "entity id", StoredEvent.EncodeString(w, entry.EntityId));
        if (entry.EntityId is not null) (t_lastEntityId, t_lastEntityIdBytes) = (entry.EntityId, encoded);
        return encoded;
    }

    [ThreadStatic]
    private static string? t_lastEntityId;

    [ThreadStatic]
    private static byte[]? t_lastEntityIdBytes;

    [ThreadStatic]
    private static AuditActor? t_lastActor;

    [ThreadStatic]
    private static byte[]? t_lastActorBytes;

    /// <summary>The canonical bytes a payload writes itself.</summary>
    private static byte[] Canonical(CanonicalJsonWriter w, ICanonicalPayload payload)
    {
        w.Output.Clear();
        payload.WriteCanonical(w);
        return w.Output.ToArray();
    }

    /// <summary>
    /// Measures one actor string; one short enough that even escaping every character (6 bytes each) cannot exceed the
    /// limit is not encoded twice.
    /// </summary>
    private static void CheckActorField(CanonicalJsonWriter w, AuditEntry entry, string field, string? value)
    {
        if (value is not null && value.Length > (AuditEntry.MaxFieldBytes - 2) / 6)
        {
            _ = Bounded(entry, field, StoredEvent.EncodeString(w, value));
        }
    }

    private static byte[] Bounded(AuditEntry entry, string field, byte[] canonical) => canonical.Length <= AuditEntry.MaxFieldBytes
        ? canonical
        : throw new AuditStoreException(
            $"The {Describe(entry)} entry cannot be recorded: its {field} is {canonical.Length} bytes of canonical JSON, " +
            $"more than the {AuditEntry.MaxFieldBytes} allowed for a field. Use a short identifier and put what it stands for in the payload.");

    /// <summary>The event type for a message, cut short when it is itself too long to quote.</summary>
    private static string Describe(AuditEntry entry) => entry.EventType.Length <= 100 ? entry.EventType : entry.EventType[..100] + "…";

    /// <summary>The <c>audit.genesis</c> entry: payload <c>{"instanceId": …}</c>, actor system.</summary>
    public static PreparedEntry Genesis(string instanceId) => Prepare(new AuditEntry
    {
        Actor = AuditActor.System,
        EventType = AuditEventHasher.GenesisEventType,
        Payload = new JsonObject { ["instanceId"] = instanceId },
    });

    /// <summary>Chains <paramref name="entry"/> to the head and returns the event; the head moves only on <see cref="Commit"/>.</summary>
    public StoredEvent Next(PreparedEntry entry, long seq, Hash32 prevHash)
    {
        var id = QuotedUuid(newId());
        var occurredAt = OccurredAtOf(time.GetUtcNow());
        Span<byte> prevJson = stackalloc byte[66];
        prevJson[0] = (byte)'"';
        prevHash.WriteHex(prevJson[1..]);
        prevJson[65] = (byte)'"';
        var hash = AuditEventHasher.Compute(new EventFields
        {
            Id = id, OccurredAt = occurredAt, Actor = entry.Actor, EventType = entry.EventType,
            EntityType = entry.EntityType, EntityId = entry.EntityId, RunId = entry.RunId, Payload = entry.Payload,
            PrevHash = prevJson,
        }, _scratch, EventSha256.ForCurrentThread);
        return new StoredEvent
        {
            Seq = seq, Id = id, OccurredAt = occurredAt, Actor = entry.Actor, EventType = entry.EventType,
            EntityType = entry.EntityType, EntityId = entry.EntityId, RunId = entry.RunId, Payload = entry.Payload,
            PrevHash = prevHash, Hash = hash,
        };
    }

    /// <summary>
    /// The canonical <c>occurredAt</c> of <paramref name="now"/>: the previous event's array when that was recorded in the same
    /// millisecond (the text has millisecond precision, so it is the same; stored arrays are never written to). A gate's
    /// decision and the outcome of a quick action, and a busy store's events, share one.
    /// </summary>
    private byte[] OccurredAtOf(DateTimeOffset now)
    {
        var millisecond = now.UtcTicks / TimeSpan.TicksPerMillisecond;
        if (_occurredAt is null || millisecond != _occurredAtMillisecond)
        {
            (_occurredAt, _occurredAtMillisecond) = (OccurredAt.ToJsonString(now), millisecond);
        }

        return _occurredAt;
    }

    private byte[]? _occurredAt;
    private long _occurredAtMillisecond;

    /// <summary>A UUID as a canonical JSON string (quotes included), formatted straight into UTF-8: it needs no escapes.</summary>
    private static byte[] QuotedUuid(Guid id)
    {
        var json = new byte[38];
        json[0] = (byte)'"';
        id.TryFormat(json.AsSpan(1), out _, "D");
        json[37] = (byte)'"';
        return json;
    }

    /// <summary>Chains the entry directly after the current head and moves the head to it.</summary>
    public StoredEvent Append(PreparedEntry entry)
    {
        var stored = Next(entry, LastSeq + 1, Head);
        Commit(stored);
        return stored;
    }

    /// <summary>Makes <paramref name="stored"/> the head (once it is durable).</summary>
    public void Commit(StoredEvent stored)
    {
        LastSeq = stored.Seq;
        Head = stored.Hash;
    }

    public void Dispose()
    {
        _scratch.Dispose();
    }
}
