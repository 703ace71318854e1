using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Selective reads: answered by the inner store's own <see cref="IAuditQuery"/> (the SQL stores' indexes), so that putting
/// a store under checkpoints never turns an indexed query into a scan; an inner store without it is scanned.
/// </summary>
public sealed partial class CheckpointedAuditStore
{
    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken = default) =>
        _inner is IAuditQuery q ? q.ReadByRunAsync(runId, cancellationToken) : AuditQueryScan.ByRun(this, runId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken = default) =>
        _inner is IAuditQuery q
            ? q.ReadByEntityAsync(entityType, entityId, cancellationToken)
            : AuditQueryScan.ByEntity(this, entityType, entityId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken = default) =>
        _inner is IAuditQuery q ? q.ReadByActorAsync(actorId, cancellationToken) : AuditQueryScan.ByActor(this, actorId, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        _inner is IAuditQuery q
            ? q.ReadByTimeRangeAsync(since, until, cancellationToken)
            : AuditQueryScan.ByTimeRange(this, since, until, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<AuditEvent> ReadOpenAsync(
        string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes, CancellationToken cancellationToken = default) =>
        _inner is IAuditQuery q
            ? q.ReadOpenAsync(entityType, openingEventType, closingEventTypes, cancellationToken)
            : AuditQueryScan.OpenAsync(this, entityType, openingEventType, closingEventTypes, cancellationToken);
}
