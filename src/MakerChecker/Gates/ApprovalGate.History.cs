using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>
/// What the gate no longer holds in memory, read back from the log when asked for: closed requests (through the store's
/// entity query, <see cref="IAuditQuery.ReadByEntityAsync"/>, indexed in the SQL stores) and reviewed break-glass uses.
/// The projection keeps only what decisions need (see <see cref="GateProjection"/>), so its size does not grow with the history.
/// </summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Finds a request: an open one from memory, a closed one rebuilt from its events in the log. Returns a snapshot, or
    /// <see langword="null"/> when the log has no such request.
    /// </summary>
    /// <param name="requestId">The request's id.</param>
    /// <param name="cancellationToken">Stops the read of a closed request.</param>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    /// <exception cref="AuditStoreException">The log could not be read.</exception>
    public async ValueTask<ApprovalRequest?> GetRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ThrowIfNotInitialized(nameof(GetRequestAsync));
        var request = await FindRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
        return request?.Snapshot(_time.GetUtcNow());
    }

    /// <summary>
    /// For the synchronous reads: an open request, or one of the last <see cref="GateProjection.RecentlyClosedCapacity"/>
    /// closed while the gate ran; older closed requests are read back from the log by <see cref="GetRequestAsync"/> only.
    /// </summary>
    private RequestState? FindRequestInMemory(string requestId) =>
        _state.Requests.TryGetValue(requestId, out var open) ? open : _state.RecentlyClosed.GetValueOrDefault(requestId);

    /// <summary>
    /// An open request from memory, else one rebuilt from its events in the log. A request the log shows open although
    /// memory does not hold it is either newer than what the gate has applied (returned as the log shows it) or a policy
    /// change request closed by its <c>policy.activated</c>, an event about the policy rather than the request.
    /// </summary>
    private async ValueTask<RequestState?> FindRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        if (_state.Requests.TryGetValue(requestId, out var open)) return open;
        var applied = _state.LastSeq;
        var (request, lastSeq) = await ReadRequestAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (request is null || request.IsClosed) return request;
        if (_state.Requests.TryGetValue(requestId, out open)) return open;
        if (lastSeq <= applied && request.Skill == PolicyChangeControl.Skill && request.Status == ApprovalStatus.Approved)
        {
            request.SetStatus(ApprovalStatus.Executed);
        }
        return request;
    }

    /// <summary>Rebuilds one request from its events (a scratch projection applies them as replay does), with the seq of the last one.</summary>
    private async ValueTask<(RequestState? Request, long LastSeq)> ReadRequestAsync(string requestId, CancellationToken cancellationToken)
    {
        var scratch = new GateProjection();
        RequestState? request = null;
        long lastSeq = 0;
        await foreach (var e in ReadEntityAsync(AuditEventWriter.RequestEntity, requestId, cancellationToken).ConfigureAwait(false))
        {
            lastSeq = e.Seq;
            if (e.EventType == AuditEventTypes.ApprovalRequested && request is not null) continue; // one opening per request id
            var changed = scratch.ApplyDetached(e);
            if (e.EventType == AuditEventTypes.ApprovalRequested) request = changed;
        }
        return (request, lastSeq);
    }

    /// <summary>
    /// A break-glass use reviewed already (no longer in memory), from the log: its record, the earlier verdict and its case
    /// run id; <see langword="null"/> when the log has no such use.
    /// </summary>
    private async ValueTask<(BreakGlassRecord Use, string? Verdict, string? RunId)?> FindReviewedBreakGlassLockedAsync(string invocationId)
    {
        BreakGlassRecord? use = null;
        string? verdict = null;
        string? runId = null;
        await foreach (var e in ReadEntityAsync(AuditEventWriter.InvocationEntity, invocationId, CancellationToken.None).ConfigureAwait(false))
        {
            if (e.EventType == AuditEventTypes.BreakGlassInvoked)
            {
                var glass = AuditEventReader.Read<BreakGlassInvoked>(e);
                use = new BreakGlassRecord(
                    glass.InvocationId, glass.PrincipalId, glass.Skill, glass.Justification, glass.PayloadDigest, glass.Rule ?? "", glass.DecidedAt);
                runId = e.RunId;
            }
            else if (e.EventType == AuditEventTypes.BreakGlassReviewed)
            {
                verdict ??= AuditEventReader.Read<BreakGlassReviewed>(e).Verdict;
            }
        }

        if (use is null)
        {
            // A policy activated under break-glass is recorded about the policy (its hash is the use's id).
            await foreach (var e in ReadEntityAsync(AuditEventWriter.PolicyEntity, invocationId, CancellationToken.None).ConfigureAwait(false))
            {
                if (e.EventType == AuditEventTypes.PolicyActivated && AuditEventReader.Read<PolicyActivated>(e) is { Justification: { } why } activated)
                {
                    use = GateProjection.PolicyBreakGlass(activated, why);
                }
            }
        }
        return use is null ? null : (use, verdict, runId);
    }

    private IAsyncEnumerable<AuditEvent> ReadEntityAsync(string entityType, string entityId, CancellationToken cancellationToken) =>
        _store is IAuditQuery query
            ? query.ReadByEntityAsync(entityType, entityId, cancellationToken)
            : _store.ReadAsync(1, cancellationToken).Where(e => e.EntityType == entityType && e.EntityId == entityId);
}
