using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary><see cref="IAuditQuery"/> by scanning the whole log: for the stores that have no index (in memory, file).</summary>
internal static class AuditQueryScan
{
    public static async IAsyncEnumerable<AuditEvent> WhereAsync(IAuditStore store, Func<AuditEvent, bool> predicate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (predicate(e))
            {
                yield return e;
            }
        }
    }

    public static IAsyncEnumerable<AuditEvent> ByRun(IAuditStore store, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return WhereAsync(store, e => e.RunId == runId, cancellationToken);
    }

    public static IAsyncEnumerable<AuditEvent> ByEntity(IAuditStore store, string entityType, string entityId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        ArgumentNullException.ThrowIfNull(entityId);
        return WhereAsync(store, e => e.EntityType == entityType && e.EntityId == entityId, cancellationToken);
    }

    public static IAsyncEnumerable<AuditEvent> ByActor(IAuditStore store, string actorId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actorId);
        return WhereAsync(store, e => e.Actor.Id == actorId, cancellationToken);
    }

    public static IAsyncEnumerable<AuditEvent> ByTimeRange(IAuditStore store, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        // occurredAt has one fixed-width UTC form, so text order is time order.
        var (low, high) = (OccurredAt.Format(from), OccurredAt.Format(to));
        return WhereAsync(store, e => string.CompareOrdinal(e.OccurredAt, low) >= 0 && string.CompareOrdinal(e.OccurredAt, high) < 0, cancellationToken);
    }

    public static async IAsyncEnumerable<AuditEvent> OpenAsync(IAuditStore store, string entityType, string openingEventType,
        IReadOnlyCollection<string> closingEventTypes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        ArgumentNullException.ThrowIfNull(openingEventType);
        ArgumentNullException.ThrowIfNull(closingEventTypes);
        var open = new Dictionary<string, AuditEvent>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (e.EntityType != entityType || e.EntityId is not { } id)
            {
                continue;
            }

            if (e.EventType == openingEventType)
            {
                open.TryAdd(id, e);
            }
            else if (closingEventTypes.Contains(e.EventType))
            {
                closed.Add(id);
            }
        }

        foreach (var e in open.Values.Where(e => !closed.Contains(e.EntityId!)).OrderBy(e => e.Seq))
        {
            yield return e;
        }
    }
}
