using System.Collections.Concurrent;
using System.Diagnostics;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>
/// Everything the gate remembers, as a projection of the audit log (event sourcing). The live path appends an event
/// and then applies the stored event here; start-up replays the log through the same <see cref="Apply"/> (from genesis,
/// or from a snapshot of this state, see <see cref="Snapshots.GateSnapshot"/>), so the state after a restart is the state
/// before it. It holds only what decisions need, so that its size does not grow with the history: open requests (closed
/// ones are read back from the log when asked for), invocations owed an outcome, limit windows (a day), idempotency keys
/// for <see cref="IdempotencyRetention"/>, break-glass uses awaiting review, and registered principals.
/// </summary>
internal sealed class GateProjection
{
    /// <summary>
    /// How long a retry with an idempotency key is answered from the first call: a day after the first call, the key is
    /// forgotten and a call with it is a new call. The same for every gate, so that a replay from genesis and a start from
    /// a snapshot remember the same keys.
    /// </summary>
    public static readonly TimeSpan IdempotencyRetention = TimeSpan.FromDays(1);

    /// <summary>How often (in events) replay drops idempotency keys past their retention from memory.</summary>
    private const int PruneEvery = 1024;

    /// <summary>The requests still open (pending, approved, executing): a closed one leaves memory and is read back from the log.</summary>
    public ConcurrentDictionary<string, RequestState> Requests { get; } = new(StringComparer.Ordinal);

    /// <summary>How many of the most recently closed requests <see cref="RecentlyClosed"/> keeps.</summary>
    public const int RecentlyClosedCapacity = 1024;

    /// <summary>
    /// The last <see cref="RecentlyClosedCapacity"/> requests closed while this projection applied the log, for the gate's
    /// synchronous reads only (decisions read a closed request back from the log). Not part of a snapshot.
    /// </summary>
    public ConcurrentDictionary<string, RequestState> RecentlyClosed { get; } = new(StringComparer.Ordinal);

    private readonly ConcurrentQueue<string> _closedOrder = new();

    /// <summary>How many requests closed in each status (rejected, executed, failed, expired): what <c>CountRequests</c> adds to the open ones.</summary>
    public ConcurrentDictionary<ApprovalStatus, int> ClosedCounts { get; } = new();

    /// <summary>Principals registered at run time; they take precedence over the policy's.</summary>
    public ConcurrentDictionary<string, PrincipalDefinition> Principals { get; } = new(StringComparer.Ordinal);

    /// <summary>The break-glass uses awaiting review, by invocation id; a reviewed one leaves memory (it is read back from the log).</summary>
    public ConcurrentDictionary<string, BreakGlassRecord> BreakGlass { get; } = new(StringComparer.Ordinal);

    /// <summary>The case run id of each break-glass use awaiting review that has one: its review is about the case too.</summary>
    public ConcurrentDictionary<string, string> BreakGlassRunIds { get; } = new(StringComparer.Ordinal);

    public LimitLedger Limits { get; } = new();

    /// <summary>Allowed invocations with no outcome yet, and those made with an idempotency key within <see cref="IdempotencyRetention"/>.</summary>
    public ConcurrentDictionary<string, InvocationState> Invocations { get; } = new(StringComparer.Ordinal);

    /// <summary>The first call made with each (principal, idempotency key), within <see cref="IdempotencyRetention"/>.</summary>
    public ConcurrentDictionary<(string PrincipalId, string Key), IdempotentCall> IdempotentCalls { get; } = new();

    /// <summary>The hash of the last <c>policy.activated</c> event.</summary>
    public string? ActivePolicyHash { get; private set; }

    /// <summary>
    /// Whether the last <c>policy.activated</c> recorded a policy with <c>policy.changes</c>: its replacement then needs an
    /// approved change request or break-glass. False for logs written before the canonical policy was recorded.
    /// </summary>
    public bool ActivePolicyGoverned { get; private set; }

    /// <summary>
    /// The seq the last <c>gate.snapshot_recorded</c> applied names (0 before one): when the next snapshot is due. Not part
    /// of a snapshot's state.
    /// </summary>
    public long LastSnapshotSeq { get; private set; }

    /// <summary>The seq of the last event applied (0 before the first): the head a compare-and-append expects.</summary>
    public long LastSeq { get; private set; }

    /// <summary>The last event applied, or <see langword="null"/> before the first: the one the next must follow.</summary>
    private AppliedEvent? _last;

    /// <summary>The hash of the last event applied, or <see langword="null"/> before the first.</summary>
    public string? Head => _last?.Hash;

    /// <summary>
    /// After a snapshot's state was restored (at <see cref="LastSeq"/>): takes the event it ends with, read back from the
    /// log, as the one the next must follow, when it is that event (same seq and hash); else false, and nothing changes.
    /// </summary>
    public bool ResumeAt(AuditEvent e, string headHash)
    {
        if (_last is not null || e.Seq != LastSeq || e.Hash != headHash) return false;
        _last = new AppliedEvent(e);
        return true;
    }

    /// <summary>Sets the seq a snapshot's state ends with (before <see cref="ResumeAt"/>).</summary>
    public void RestoreSeq(long seq, string? activePolicyHash, bool governed)
    {
        LastSeq = seq;
        ActivePolicyHash = activePolicyHash;
        ActivePolicyGoverned = governed;
    }

    /// <summary>
    /// Applies one stored event: the one after the last applied, in chain order, each exactly once. Live invocations
    /// were counted in <see cref="Limits"/> before their event was written (so that check and count were atomic); only
    /// replay (start-up, and catching up on other writers' events) counts them here. Replay reads every event it uses
    /// strictly through the catalogue. Live, the gate passes the record it wrote (<paramref name="written"/>, the same
    /// values as the stored bytes), and an event whose only use is its request id takes it from the entity id, which the
    /// writer (<see cref="AuditPayloads"/>) sets to that request id: the hot path decodes nothing.
    /// </summary>
    /// <exception cref="AuditStoreException">The event does not continue the chain applied so far.</exception>
    /// <exception cref="AuditEventFormatException">A gate event's payload is malformed (missing or mistyped field).</exception>
    public RequestState? Apply(AuditEvent e, bool replaying, IAuditEventPayload? written = null) => ApplyEvent(new AppliedEvent(e), replaying, written);

    /// <summary>
    /// Applies, live, the event the gate has just appended as the store keeps it (see <see cref="IStoredEventAppender"/>),
    /// with the entry it was written from: as <see cref="Apply(AuditEvent, bool, IAuditEventPayload?)"/>, without the
    /// public <see cref="AuditEvent"/>.
    /// </summary>
    public RequestState? ApplyLive(StoredEvent stored, AuditEntry source, IAuditEventPayload? written) =>
        ApplyEvent(new AppliedEvent(stored, source), replaying: false, written);

    private RequestState? ApplyEvent(in AppliedEvent e, bool replaying, IAuditEventPayload? written)
    {
        if (_last is { } last && (e.Seq <= LastSeq || !e.Follows(last)))
        {
            throw new AuditStoreException(
                $"The audit log does not continue the chain the gate has applied: event {e.Seq} (prev_hash {e.PrevHash}) "
                + $"does not follow event {LastSeq} (hash {Head}). Verify the log.");
        }

        // Read (and so check) the payload before the event counts as applied: a malformed event stops every later
        // catch-up at the same place instead of being stepped over by the next one.
        var changed = ApplyPayload(e, replaying, written);
        if (changed is { IsClosed: true } && Requests.TryRemove(changed.Id, out _)) Closed(changed);
        // An hour's slack for other writers' clocks: what is pruned is past retention for every gate's clock too.
        if (e.Seq % PruneEvery == 0 && AuditTime.TryParse(e.OccurredAt, out var at)) PruneIdempotency(at - IdempotencyRetention - TimeSpan.FromHours(1));
        LastSeq = e.Seq;
        _last = e;
        return changed;
    }

    /// <summary>
    /// Applies one event about a single entity, read by an entity query rather than in chain order: how a closed request is
    /// rebuilt from the log (on a scratch projection, never the gate's own).
    /// </summary>
    public RequestState? ApplyDetached(AuditEvent e) => ApplyPayload(new AppliedEvent(e), replaying: true, written: null);

    public void CountClosed(ApprovalStatus status) => ClosedCounts.AddOrUpdate(status, 1, static (_, n) => n + 1);

    private void Closed(RequestState request)
    {
        CountClosed(request.Status);
        RecentlyClosed[request.Id] = request;
        _closedOrder.Enqueue(request.Id);
        while (_closedOrder.Count > RecentlyClosedCapacity && _closedOrder.TryDequeue(out var oldest)) RecentlyClosed.TryRemove(oldest, out _);
    }

    /// <summary>Drops idempotency keys first used at or before <paramref name="cutoff"/>, and the ended invocations kept for such keys.</summary>
    public void PruneIdempotency(DateTimeOffset cutoff)
    {
        foreach (var (key, call) in IdempotentCalls)
        {
            if (call.At <= cutoff) IdempotentCalls.TryRemove(key, out _);
        }
        foreach (var (id, invocation) in Invocations)
        {
            if (invocation.Status != InvocationStatus.Started && invocation.At <= cutoff) Invocations.TryRemove(id, out _);
        }
    }

    private RequestState? ApplyPayload(in AppliedEvent e, bool replaying, IAuditEventPayload? written)
    {
        switch (e.EventType)
        {
            case AuditEventTypes.PolicyActivated:
                var activated = Payload<PolicyActivated>(e, written);
                ActivePolicyHash = activated.PolicyHash;
                ActivePolicyGoverned = activated.Policy is { } canonical && canonical.TryGetProperty("changes", out var changes)
                    && changes.ValueKind == System.Text.Json.JsonValueKind.Object;
                if (activated.Justification is { } why) BreakGlass[activated.PolicyHash] = PolicyBreakGlass(activated, why);
                return WithStatus(activated.RequestId, ApprovalStatus.Executed);

            case AuditEventTypes.ApprovalExpired:
                return WithStatus(Payload<ApprovalExpired>(e, written).RequestId, ApprovalStatus.Expired);

            case AuditEventTypes.AppealRecorded:
                var appeal = Payload<AppealRecorded>(e, written);
                if (Find(appeal.RequestId) is not { } appealed) return null;
                appealed.Appeal = appeal.Outcome;
                return appealed;

            case AuditEventTypes.PrincipalRegistered:
                var registered = Payload<PrincipalRegistered>(e, written);
                Principals[registered.PrincipalId] =
                    new PrincipalDefinition(registered.PrincipalId, registered.Kind, registered.Role, registered.Status, registered.Owner);
                return null;

            case AuditEventTypes.DecisionAllowed:
                var allowed = Payload<DecisionAllowed>(e, written);
                // Live, the invocation was counted before its event was written; only replay counts it here.
                if (replaying && allowed.Counted) Limits.Record(allowed.PrincipalId, allowed.Skill, allowed.DecidedAt);
                TrackInvocation(
                    e.EntityId, e.RunId, allowed.PrincipalId, allowed.Skill, allowed.PayloadDigest, allowed.PolicyHash, allowed.ReasonCode,
                    allowed.IdempotencyKey, allowed.DecidedAt);
                return null;

            case AuditEventTypes.BreakGlassInvoked:
                var glass = Payload<BreakGlassInvoked>(e, written);
                if (replaying && glass.Counted) Limits.Record(glass.PrincipalId, glass.Skill, glass.DecidedAt);
                TrackInvocation(
                    glass.InvocationId, e.RunId, glass.PrincipalId, glass.Skill, glass.PayloadDigest, glass.PolicyHash, glass.ReasonCode, null,
                    glass.DecidedAt);
                if (e.RunId is { } glassRun) BreakGlassRunIds[glass.InvocationId] = glassRun;
                BreakGlass[glass.InvocationId] = new BreakGlassRecord(
                    glass.InvocationId, glass.PrincipalId, glass.Skill, glass.Justification, glass.PayloadDigest, glass.Rule ?? "", glass.DecidedAt);
                return null;

            case AuditEventTypes.BreakGlassReviewed:
                var review = Payload<BreakGlassReviewed>(e, written);
                BreakGlass.TryRemove(review.InvocationId, out _);
                BreakGlassRunIds.TryRemove(review.InvocationId, out _);
                return null;

            case AuditEventTypes.ApprovalRequested:
                var opened = Payload<ApprovalRequested>(e, written);
                if (replaying && opened.Counted) Limits.Record(opened.PrincipalId, opened.Skill, opened.RequestedAt);
                var basis = opened.Basis is { } b ? new ProposalBasis(b.RuleId, b.ModelVersion, b.DatasetDigest, b.Reason) { CaseSize = b.CaseSize } : null;
                var state = new RequestState(
                    opened.RequestId, opened.Skill, opened.PrincipalId, opened.PayloadDigest, basis, opened.PolicyHash, opened.Rule ?? "", opened.RequestedAt,
                    opened.ExpiresAt, opened.RequiredApprovals, opened.Sampled) { RunId = e.RunId };
                Requests[state.Id] = state;
                if (opened.IdempotencyKey is { } requestKey)
                {
                    var call = new IdempotentCall(
                        state.Skill, state.PayloadDigest, AuditEventWriter.RequestEntity, state.Id, opened.ReasonCode, opened.RequestedAt);
                    IdempotentCalls[(state.RequesterId, requestKey)] = call;
                }
                return state;

            case AuditEventTypes.ApprovalPresented:
                var presented = Payload<ApprovalPresented>(e, written);
                if (Find(presented.RequestId) is not { } shown) return null;
                shown.AddPresentation(new Presentation(presented.ReviewerId, presented.PresentedAt));
                return shown;

            case AuditEventTypes.ApprovalDecided:
                var decided = Payload<ApprovalDecided>(e, written);
                if (Find(decided.RequestId) is not { } signed) return null;
                var approved = decided.Verdict == SignOffVerdict.Approve;
                signed.AddSignOff(new SignOff(decided.ReviewerId, approved, decided.Reason, decided.PresentedAt, decided.DecidedAt));
                return signed;

            case AuditEventTypes.ActionStarted:
                var started = Payload<ActionStarted>(e, written);
                if (Find(started.RequestId) is not { } running) return null;
                running.Start(started.ExecutionId);
                return running;

            case AuditEventTypes.ActionExecuted when e.EntityType == AuditEventWriter.RequestEntity:
                return WithStatus(replaying ? RequestIdOf(e, AuditEventReader.Read<ActionExecuted>(e.Event).RequestId) : e.EntityId, ApprovalStatus.Executed);

            case AuditEventTypes.ActionFailed when e.EntityType == AuditEventWriter.RequestEntity:
                return WithStatus(replaying ? RequestIdOf(e, AuditEventReader.Read<ActionFailed>(e.Event).RequestId) : e.EntityId, ApprovalStatus.Failed);

            // A direct invocation's outcome: the writer sets the entity id to the invocation id.
            case AuditEventTypes.ActionExecuted:
                EndInvocation(e.EntityId, InvocationStatus.Executed);
                return null;

            case AuditEventTypes.ActionFailed:
                EndInvocation(e.EntityId, InvocationStatus.Failed);
                return null;

            case AuditEventTypes.ActionOutcomeResolved:
                return Resolve(Payload<ActionOutcomeResolved>(e, written));

            case AuditEventTypes.GateSnapshotRecorded:
                LastSnapshotSeq = Payload<GateSnapshotRecorded>(e, written).Seq;
                return null;

            default:
                // Refusals (decision.refused, approval.signoff_refused), outcomes of direct invocations, and other
                // components' events change no gate state.
                return null;
        }
    }

    public void Clear()
    {
        Requests.Clear();
        RecentlyClosed.Clear();
        _closedOrder.Clear();
        ClosedCounts.Clear();
        Invocations.Clear();
        IdempotentCalls.Clear();
        Principals.Clear();
        BreakGlass.Clear();
        BreakGlassRunIds.Clear();
        Limits.Clear();
        ActivePolicyHash = null;
        ActivePolicyGoverned = false;
        LastSnapshotSeq = 0;
        LastSeq = 0;
        _last = null;
    }

    /// <summary>The payload of <paramref name="e"/>: the record it was written from when the gate applies its own event live, else read strictly.</summary>
    private static T Payload<T>(in AppliedEvent e, IAuditEventPayload? written)
        where T : struct, IAuditEventPayload<T>
    {
        if (written is T record)
        {
            Debug.Assert(e.EventType == T.Type, "the record applied live is the one the event was written from");
            return record;
        }
        return AuditEventReader.Read<T>(e.Event);
    }

    /// <summary>An outcome about an approval request names it: one that names only an invocation cannot close the request.</summary>
    private static string RequestIdOf(in AppliedEvent e, string? requestId) =>
        requestId ?? throw new AuditEventFormatException(
            e.Seq, e.EventType, "requestId", $"missing, but the event is about approval request '{e.EntityId}' and must name it");

    /// <summary>The break-glass record of a policy activated under break-glass (keyed by the policy hash).</summary>
    public static BreakGlassRecord PolicyBreakGlass(PolicyActivated activated, string justification) => new(
        activated.PolicyHash, activated.ActivatedBy ?? "", PolicyChangeControl.Skill, justification, "sha256:" + activated.PolicyHash, "",
            activated.ActivatedAt);

    private void TrackInvocation(
        string? id, string? runId, string principalId, string skill, string payloadDigest, string policyHash, string reasonCode, string? key, DateTimeOffset at)
    {
        if (id is null) return;
        Invocations[id] = new InvocationState(id, principalId, skill, payloadDigest, policyHash, reasonCode, key) { RunId = runId, At = at };
        if (key is not null)
        {
            IdempotentCalls[(principalId, key)] = new IdempotentCall(skill, payloadDigest, AuditEventWriter.InvocationEntity, id, reasonCode, at);
        }
    }

    /// <summary>An invocation's outcome: kept when it has an idempotency key (its retries are answered from it), else forgotten.</summary>
    private void EndInvocation(string? id, InvocationStatus status)
    {
        if (id is null || !Invocations.TryGetValue(id, out var invocation)) return;
        invocation.Status = status;
        if (invocation.IdempotencyKey is null) Invocations.TryRemove(id, out _);
    }

    /// <summary>
    /// <c>action.outcome_resolved</c>: only a started action without an outcome changes (for a request, the execution the
    /// resolution names); a request resolved <c>not_executed</c> is approved again, <c>unknown</c> closes it as failed.
    /// </summary>
    private RequestState? Resolve(ActionOutcomeResolved resolved)
    {
        if (resolved.InvocationId is { } id && Invocations.TryGetValue(id, out var invocation) && invocation.Status == InvocationStatus.Started)
        {
            EndInvocation(id, resolved.Resolution switch
            {
                ActionOutcomeResolved.Executed => InvocationStatus.Executed,
                ActionOutcomeResolved.NotExecuted => InvocationStatus.NotExecuted,
                _ => InvocationStatus.Unknown,
            });
        }

        if (Find(resolved.RequestId) is not { } request) return null;
        if (request.Status != ApprovalStatus.Executing || (resolved.ExecutionId is { } execution && execution != request.ExecutionId)) return request;
        request.SetStatus(resolved.Resolution switch
        {
            ActionOutcomeResolved.Executed => ApprovalStatus.Executed,
            ActionOutcomeResolved.NotExecuted => ApprovalStatus.Approved,
            _ => ApprovalStatus.Failed,
        });
        return request;
    }

    private RequestState? Find(string? requestId) => requestId is not null && Requests.TryGetValue(requestId, out var r) ? r : null;

    private RequestState? WithStatus(string? requestId, ApprovalStatus status)
    {
        var request = Find(requestId);
        request?.SetStatus(status);
        return request;
    }
}
