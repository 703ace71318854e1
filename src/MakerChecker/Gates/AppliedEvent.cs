using MakerChecker.Audit.Events;

namespace MakerChecker.Gates;

/// <summary>
/// An event as the projection applies it: one read from the log (an <see cref="AuditEvent"/>), or one the gate has just
/// appended, as the store keeps it (a <see cref="StoredEvent"/>) together with the entry it was written from, so that the
/// live path decodes and allocates nothing. Its text fields are the entry's for a live event (the same values the store
/// encoded), the event's otherwise.
/// </summary>
internal readonly struct AppliedEvent
{
    private readonly AuditEvent? _event;
    private readonly AuditEntry? _source;

    public AppliedEvent(AuditEvent e)
    {
        _event = e;
        Stored = e.Stored;
        Seq = e.Seq;
        EventType = e.EventType;
        EntityType = e.EntityType;
        EntityId = e.EntityId;
        RunId = e.RunId;
    }

    public AppliedEvent(StoredEvent stored, AuditEntry source)
    {
        _source = source;
        Stored = stored;
        Seq = stored.Seq;
        EventType = source.EventType;
        EntityType = source.EntityType;
        EntityId = source.EntityId;
        RunId = source.RunId;
    }

    /// <summary>The canonical fields, when a store of this process made the event; else <see langword="null"/>.</summary>
    public StoredEvent? Stored { get; }

    public long Seq { get; }

    public string EventType { get; }

    public string? EntityType { get; }

    public string? EntityId { get; }

    public string? RunId { get; }

    public string OccurredAt => _event?.OccurredAt ?? StoredEvent.DecodeString(Stored!.OccurredAt)!;

    public string PrevHash => _event?.PrevHash ?? Stored!.PrevHash.ToHex();

    public string Hash => _event?.Hash ?? Stored!.Hash.ToHex();

    /// <summary>The public form, to read the payload strictly (for a live event, made only when that is needed).</summary>
    public AuditEvent Event => _event ?? Stored!.ToAuditEvent(_source!);

    /// <summary>
    /// Whether this event names <paramref name="previous"/> as its predecessor: compared as digests when a store of this
    /// process made both, else as text (as <see cref="AuditEvent"/> compares them).
    /// </summary>
    public bool Follows(in AppliedEvent previous) =>
        Stored is { } next && previous.Stored is { } last ? next.PrevHash.Equals(last.Hash) : PrevHash == previous.Hash;
}
