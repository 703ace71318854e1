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

    /// <summary>
    /// The entry for <paramref name="payload"/>: its event type, <paramref name="actor"/>, the entity it is about, and the
    /// payload built field by field from the record (no intermediate serialization).
    /// </summary>
    /// <typeparam name="T">A payload record of the catalogue.</typeparam>
    /// <param name="payload">The payload.</param>
    /// <param name="actor">Who caused the event.</param>
    /// <param name="entityType">The kind of entity the event is about, for example <see cref="RequestEntity"/>.</param>
    /// <param name="entityId">The entity's id.</param>
    /// <returns>The entry, ready to append.</returns>
    public static AuditEntry ToEntry<T>(in T payload, AuditActor actor, string? entityType, string? entityId)
        where T : struct, IAuditEventPayload<T> => new()
    {
        Actor = actor,
        EventType = T.Type,
        EntityType = entityType,
        EntityId = entityId,
        Payload = payload.ToPayload(),
    };
}
