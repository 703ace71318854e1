using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>
/// Selective reads over an audit store, for the gates and the review report. Every built-in store implements it:
/// the SQL stores with indexes; the in-memory and file stores keep the default implementations, which scan the log
/// through <see cref="IAuditStore.ReadAsync"/> (so a store of your own gets them by declaring the interface).
/// </summary>
/// <remarks>Each method returns matching events in sequence order.</remarks>
public interface IAuditQuery : IAuditStore
{
    /// <summary>The events of one run (what a run bundle exports).</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken = default) =>
        AuditQueryScan.ByRun(this, runId, cancellationToken);

    /// <summary>The events about one entity, for example one approval request.</summary>
    /// <param name="entityType">The entity type, for example <c>approval_request</c>.</param>
    /// <param name="entityId">The entity id.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken = default) =>
        AuditQueryScan.ByEntity(this, entityType, entityId, cancellationToken);

    /// <summary>The events one actor caused, for example every sign-off of one reviewer.</summary>
    /// <param name="actorId">The actor id.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken = default) =>
        AuditQueryScan.ByActor(this, actorId, cancellationToken);

    /// <summary>The events whose <c>occurredAt</c> lies in [<paramref name="since"/>, <paramref name="until"/>), at millisecond precision.</summary>
    /// <param name="since">The first instant included.</param>
    /// <param name="until">The first instant excluded.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        AuditQueryScan.ByTimeRange(this, since, until, cancellationToken);

    /// <summary>
    /// The opening events of entities of <paramref name="entityType"/> that are still open: an event of
    /// <paramref name="openingEventType"/> for the entity, and no event of any of <paramref name="closingEventTypes"/>.
    /// The gates' open approval requests are <c>approval_request</c> entities opened by <c>approval.requested</c>.
    /// </summary>
    /// <param name="entityType">The entity type.</param>
    /// <param name="openingEventType">The event type that opens an entity.</param>
    /// <param name="closingEventTypes">The event types that close it.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    IAsyncEnumerable<AuditEvent> ReadOpenAsync(
        string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes, CancellationToken cancellationToken = default) =>
        AuditQueryScan.OpenAsync(this, entityType, openingEventType, closingEventTypes, cancellationToken);
}
