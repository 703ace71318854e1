namespace MakerChecker.Gates;

/// <summary>
/// The reads: what the gate has applied from the log. They never read the log themselves (call
/// <see cref="RefreshAsync"/> for other gates' changes), and refuse to answer before the gate has read it once.
/// </summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Finds a request. Reads only what the gate has applied: call <see cref="InitializeAsync"/> first after a restart, and
    /// <see cref="RefreshAsync"/> first to see what other gates over the same log did since this gate's last decision.
    /// </summary>
    /// <param name="requestId">The request's id.</param>
    /// <returns>A snapshot of the request, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public ApprovalRequest? GetRequest(string requestId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ThrowIfNotInitialized(nameof(GetRequest));
        return _state.Requests.TryGetValue(requestId, out var r) ? r.Snapshot(_time.GetUtcNow()) : null;
    }

    /// <summary>
    /// The requests still pending or approved and not expired, oldest first, as far as the gate has applied the log (after
    /// <see cref="InitializeAsync"/>; call <see cref="RefreshAsync"/> first to include other gates' changes).
    /// </summary>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public IReadOnlyList<ApprovalRequest> GetOpenRequests()
    {
        ThrowIfNotInitialized(nameof(GetOpenRequests));
        var now = _time.GetUtcNow();
        return [.. _state.Requests.Values
            .Select(r => r.Snapshot(now))
            .Where(r => r.Status is ApprovalStatus.Pending or ApprovalStatus.Approved)
            .OrderBy(r => r.RequestedAt)];
    }

    /// <summary>
    /// The break-glass uses awaiting review, oldest first: each must be reviewed afterwards (<see cref="ReviewBreakGlassAsync"/>),
    /// and a reviewed use leaves this list. As far as the gate has applied the log (call <see cref="RefreshAsync"/> first to
    /// include other gates' changes).
    /// </summary>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public IReadOnlyList<BreakGlassRecord> GetBreakGlassForReview()
    {
        ThrowIfNotInitialized(nameof(GetBreakGlassForReview));
        return [.. _state.BreakGlass.Values.Where(b => !_state.BreakGlassReviews.ContainsKey(b.InvocationId)).OrderBy(b => b.InvokedAt).ThenBy(b => b.InvocationId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// A query answered before the log was read would report an empty gate (no requests, no break-glass) as if that
    /// were the truth: it is refused instead.
    /// </summary>
    private void ThrowIfNotInitialized(string query)
    {
        if (_initialized) return;
        throw new InvalidOperationException(
            $"ApprovalGate.{query} was called before the gate read its audit log, so it would answer from an empty state. "
            + "Call InitializeAsync first, or create the gate with ApprovalGate.CreateAsync.");
    }

    private int CountOpenRequests()
    {
        var now = _time.GetUtcNow();
        return _state.Requests.Values.Count(r => r.IsOpen && !r.IsExpiredAt(now));
    }
}
