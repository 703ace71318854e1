using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>Turns a catalogue record into the entry an audit store appends.</summary>
internal static class AuditEventWriter
{
    /// <summary>The entity type of events about an approval request.</summary>
    public const string RequestEntity = "approval_request";

    /// <summary>The entity type of events about one invocation (direct or break-glass).</summary>
    public const string InvocationEntity = "invocation";

    /// <summary>The entity type of <c>policy.activated</c>; the entity id is the policy hash.</summary>
    public const string PolicyEntity = "policy";

    /// <summary>The entity type of <c>principal.registered</c>; the entity id is the principal id.</summary>
    public const string PrincipalEntity = "principal";

    /// <summary>The entity type of <c>gate.snapshot_recorded</c>; the entity id is the snapshot's seq in decimal.</summary>
    public const string SnapshotEntity = "gate_snapshot";

    /// <summary>
    /// The entry for <paramref name="payload"/>: its event type, <paramref name="actor"/> and the entity it is about. The
    /// store appends the canonical bytes the record writes itself; the entry's JSON object is built only if read.
    /// </summary>
    /// <typeparam name="T">A payload record of the catalogue.</typeparam>
    /// <param name="payload">The payload.</param>
    /// <param name="actor">Who caused the event.</param>
    /// <param name="entityType">The kind of entity the event is about, for example <see cref="RequestEntity"/>.</param>
    /// <param name="entityId">The entity's id.</param>
    /// <returns>The entry, ready to append.</returns>
    public static AuditEntry ToEntry<T>(in T payload, AuditActor actor, string? entityType, string? entityId)
        where T : struct, IAuditEventPayload<T> => ToEntry((IAuditEventPayload)payload, actor, entityType, entityId);

    /// <summary>The entry for a record already boxed (the gate's projection applies the same box live).</summary>
    public static AuditEntry ToEntry(IAuditEventPayload payload, AuditActor actor, string? entityType, string? entityId) =>
        new(actor, payload.EventType, payload) { EntityType = entityType, EntityId = entityId };
}
