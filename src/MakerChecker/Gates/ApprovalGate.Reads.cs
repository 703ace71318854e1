using MakerChecker.Decisions;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>
/// The reads: what the gate has applied from the log. They never read the log themselves (call
/// <see cref="RefreshAsync"/> for other gates' changes), and refuse to answer before the gate has read it once.
/// </summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Finds a request the gate holds in memory: an open one, or one of the last 1,024 closed while it ran. Reads only what
    /// the gate has applied: call <see cref="InitializeAsync"/> first after a restart, and <see cref="RefreshAsync"/> first to
    /// see what other gates over the same log did since this gate's last decision. Closed requests are not kept in memory
    /// (so that the gate's size does not grow with the history): <see cref="GetRequestAsync"/> finds any request, reading
    /// a closed one back from the log.
    /// </summary>
    /// <param name="requestId">The request's id.</param>
    /// <returns>
    /// A snapshot of the request, or <see langword="null"/> when the gate holds none (use <see cref="GetRequestAsync"/> for older closed ones).
    /// </returns>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public ApprovalRequest? GetRequest(string requestId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ThrowIfNotInitialized(nameof(GetRequest));
        return FindRequestInMemory(requestId)?.Snapshot(_time.GetUtcNow());
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
    /// The open requests <paramref name="reviewerId"/> may sign now, oldest first: pending, not expired, and the reviewer
    /// eligible under the gate in force and not yet signed (<see cref="CheckSigner"/> is <see langword="null"/>). What a
    /// reviewer's queue shows. As far as the gate has applied the log (call <see cref="RefreshAsync"/> first to include
    /// other gates' changes).
    /// </summary>
    /// <param name="reviewerId">The reviewer.</param>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public IReadOnlyList<ApprovalRequest> GetRequestsToSign(string reviewerId) => GetReviewerQueuePage(reviewerId, null, 0, int.MaxValue).Page;

    /// <summary>
    /// One page of <see cref="GetRequestsToSign"/>, optionally of one skill, with the total and the count per skill: only
    /// the page is copied into snapshots, so a reviewer's queue page costs little more than one pass over the open requests.
    /// </summary>
    /// <param name="reviewerId">The reviewer.</param>
    /// <param name="skill">Only requests for this skill (<c>name@version</c>); <see langword="null"/> for every skill.</param>
    /// <param name="skip">How many of the oldest matching requests to skip.</param>
    /// <param name="take">How many to return at most.</param>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="skip"/> or <paramref name="take"/> is negative.</exception>
    public ReviewerQueuePage GetReviewerQueuePage(string reviewerId, string? skill, int skip, int take)
    {
        ArgumentNullException.ThrowIfNull(reviewerId);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        ThrowIfNotInitialized(nameof(GetReviewerQueuePage));
        var now = _time.GetUtcNow();
        var policy = _policy;
        var principals = Principals(policy);
        var reviewer = principals.Find(reviewerId);
        var skills = new Dictionary<string, int>(StringComparer.Ordinal);
        var mine = new List<RequestState>();
        foreach (var r in _state.Requests.Values)
        {
            if (r.Status != ApprovalStatus.Pending || RequestRules.SignerBar(policy, principals, r, reviewerId, reviewer, now) is not null) continue;
            skills[r.Skill] = skills.GetValueOrDefault(r.Skill) + 1;
            if (skill is null || string.Equals(r.Skill, skill, StringComparison.Ordinal)) mine.Add(r);
        }
        mine.Sort(static (a, b) => a.RequestedAt.CompareTo(b.RequestedAt) is var c && c != 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        var page = new List<ApprovalRequest>(Math.Max(0, Math.Min(take, mine.Count - skip)));
        for (var i = skip; i < mine.Count && page.Count < take; i++) page.Add(mine[i].Snapshot(now));
        return new ReviewerQueuePage(page, mine.Count, skills);
    }

    /// <summary>
    /// Why <paramref name="reviewerId"/> may not sign the request now, as the sign-off's reason code
    /// (<c>request_not_found</c>, <c>request_closed</c>, <c>request_expired</c>, <c>gate_removed</c>, <c>principal_unknown</c>,
    /// <c>principal_inactive</c>, <c>agent_cannot_approve</c>, <c>approver_not_eligible</c>, <c>requester_cannot_approve</c>,
    /// <c>owner_cannot_approve</c>, <c>already_signed</c>, ...), or <see langword="null"/> when they may: the sign-off rules
    /// that do not depend on the moment of signing (presentation and <c>min_review</c> are judged when they sign). Records
    /// nothing. A reviewer interface uses it to show a case only to those who may sign it.
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The reviewer.</param>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public string? CheckSigner(string requestId, string reviewerId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(reviewerId);
        ThrowIfNotInitialized(nameof(CheckSigner));
        if (FindRequestInMemory(requestId) is not { } request) return ReasonCodes.RequestNotFound;
        var policy = _policy;
        var principals = Principals(policy);
        return RequestRules.SignerBar(policy, principals, request, reviewerId, principals.Find(reviewerId), _time.GetUtcNow());
    }

    /// <summary>
    /// The gate in force now over the request's grant: the one that judges its sign-offs (its <c>min_review</c>, approver
    /// roles and number of approvers), or <see langword="null"/> when the request is unknown or the policy in force no
    /// longer gates it.
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public GateDefinition? GetGateInForce(string requestId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ThrowIfNotInitialized(nameof(GetGateInForce));
        if (FindRequestInMemory(requestId) is not { } request) return null;
        var policy = _policy;
        return RequestRules.GateInForce(policy, Principals(policy), request);
    }

    /// <summary>
    /// How many requests the gate knows in each status now (expired ones as <see cref="ApprovalStatus.Expired"/>): the open
    /// ones it holds and a count of the closed ones.
    /// </summary>
    /// <exception cref="InvalidOperationException">The gate has not read its audit log yet (call <see cref="InitializeAsync"/> first).</exception>
    public IReadOnlyDictionary<ApprovalStatus, int> CountRequests()
    {
        ThrowIfNotInitialized(nameof(CountRequests));
        var now = _time.GetUtcNow();
        var counts = new Dictionary<ApprovalStatus, int>(_state.ClosedCounts);
        foreach (var r in _state.Requests.Values)
        {
            var status = r.IsOpen && r.IsExpiredAt(now) ? ApprovalStatus.Expired : r.Status;
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }
        return counts;
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
        return [.. _state.BreakGlass.Values
            .OrderBy(b => b.InvokedAt)
            .ThenBy(b => b.InvocationId, StringComparer.Ordinal)];
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
