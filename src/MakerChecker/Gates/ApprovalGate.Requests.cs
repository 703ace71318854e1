using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Review;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

public sealed partial class ApprovalGate
{
    /// <summary>Records that the request's case was shown to <paramref name="reviewerId"/>. Dwell runs from the first presentation.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The reviewer the case was shown to.</param>
    /// <param name="cancellationToken">Cancels waiting for the request.</param>
    /// <exception cref="AuditStoreException">The presentation could not be recorded.</exception>
    public ValueTask<GateResult> PresentAsync(string requestId, string reviewerId, CancellationToken cancellationToken = default) =>
        OnRequestAsync(requestId, reviewerId, "makerchecker.present", async (policy, request) =>
        {
            var now = _time.GetUtcNow();
            var reviewer = ResolvePrincipal(reviewerId);
            var decision = RequestRules.Present(policy, request, reviewerId, reviewer, now);
            if (decision.Outcome == DecisionOutcome.Refused)
            {
                // A refused presentation is not recorded, so it is judged on the latest log (a principal may have been reactivated elsewhere).
                var moved = await MovedLockedAsync(AuditEventTypes.ApprovalPresented).ConfigureAwait(false);
                return moved ? null : GateResult.From(decision, request.Snapshot(now));
            }

            var entry = AuditPayloads.Presented(policy.Hash, reviewer!, request.Id, request.PayloadDigest, now).InRun(request.RunId);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
            Log.Presented(_logger, requestId, reviewerId);
            return GateResult.From(decision, request.Snapshot(now));
        }, cancellationToken);

    /// <summary>
    /// Approves the request as <paramref name="reviewerId"/>. The reviewer must be active and eligible, distinct from the
    /// requester (and its owner) when the gate forbids the requester, not have signed already, have been presented the
    /// case (unless the gate opts out), and have had it at least <c>min_review</c>. A refused sign-off is recorded too.
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The approver.</param>
    /// <param name="reason">The approver's reason, recorded with the sign-off.</param>
    /// <param name="cancellationToken">Cancels waiting for the request.</param>
    /// <exception cref="AuditStoreException">The sign-off (or its refusal) could not be recorded.</exception>
    public ValueTask<GateResult> ApproveAsync(string requestId, string reviewerId, string? reason = null, CancellationToken cancellationToken = default) =>
        SignOffAsync(requestId, reviewerId, approve: true, reason, cancellationToken);

    /// <summary>
    /// Rejects the request as <paramref name="reviewerId"/>, which closes it. The same rules as <see cref="ApproveAsync"/> apply,
    /// and a reason is required.
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <param name="reviewerId">The reviewer.</param>
    /// <param name="reason">Why the request is rejected; required.</param>
    /// <param name="cancellationToken">Cancels waiting for the request.</param>
    /// <exception cref="AuditStoreException">The sign-off (or its refusal) could not be recorded.</exception>
    public ValueTask<GateResult> RejectAsync(string requestId, string reviewerId, string reason, CancellationToken cancellationToken = default) =>
        SignOffAsync(requestId, reviewerId, approve: false, reason, cancellationToken);

    /// <summary>
    /// Runs an approved request's action, at most once. Checks that the request is approved, not expired and not already
    /// executed, that <paramref name="payload"/> is exactly the approved one, and, against the policy and principals in
    /// force now, that the requester may still run the skill and that enough approvers are still eligible and active.
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <param name="principalId">Who executes: the requester.</param>
    /// <param name="payload">The payload to run with; its digest must equal the request's.</param>
    /// <param name="action">The action.</param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <exception cref="ActionOutcomeNotRecordedException">The action ran (or threw), but its outcome could not be recorded yet: do not retry it.</exception>
    /// <exception cref="AuditStoreException">
    /// <c>action.started</c> could not be recorded, so the action did not run (if the event reached the log all the same,
    /// the gate finds it on its next call and records <c>action.outcome_resolved</c>, <c>not_executed</c>, so the request can
    /// be executed again); or the gate owes the log an earlier outcome (<c>outcome_not_recorded</c>).
    /// </exception>
    public async ValueTask<GateResult> ExecuteAsync(
        string requestId, string principalId, JsonObject payload, Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(action);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.execute");
        var digest = PayloadDigest.Compute(payload);

        RequestState? request = null;
        var decided = await DecideActionAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principalId, requestId, "execute").ConfigureAwait(false) is { } superseded) return new Decided(superseded);
            request = await FindRequestLockedAsync(requestId).ConfigureAwait(false);
            if (request is null) return new Decided(NotFound(policy, requestId, principalId));

            var now = _time.GetUtcNow();
            if (!await RecordLapseLockedAsync(policy, request, now).ConfigureAwait(false)) return default;
            var requester = ResolvePrincipal(principalId);
            var decision = RequestRules.Execute(policy, Principals(policy), request, principalId, requester, payload, digest, now, out var approvers);
            if (decision.Outcome == DecisionOutcome.Refused)
            {
                var refusal = AuditPayloads.Refused(policy.Hash, requester, principalId, request.Skill, decision.ReasonCode, decision.Rule,
                    AuditEventWriter.RequestEntity, request.Id, digest, now, "execute").InRun(request.RunId);
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return default;
                _telemetry.Decision(decision.Outcome, decision.ReasonCode);
                Log.DecisionRefused(_logger, principalId, request.Skill, decision.ReasonCode, decision.Rule, "execute");
                return new Decided(GateResult.From(decision, request.Snapshot(now)));
            }

            // Once action.started is in the log (and applied) the request is Executing, so no caller on any gate can start it again.
            var executionId = NewId(now);
            var started = AuditPayloads.ActionStarted(
                policy.Hash, requester!, request.Id, request.Skill, request.PayloadDigest, executionId, approvers!, decision.Rule, now).InRun(request.RunId);
            if (await AppendOnHeadAsync(started).ConfigureAwait(false) is null) return default;
            _telemetry.Decision(decision.Outcome, decision.ReasonCode);
            Log.Executing(_logger, requestId, request.Skill, principalId);
            var run = new ActionRun(requester!, request.Skill, AuditEventWriter.RequestEntity, request.Id, policy.Hash, executionId, request.RunId);
            return new Decided(GateResult.From(decision), run);
        }, cancellationToken).ConfigureAwait(false);
        if (decided.Run is not { } run) return decided.Result;

        // The action runs outside the decision lock; its outcome is applied in chain order.
        await RunActionAsync(run, action, cancellationToken).ConfigureAwait(false);
        return decided.Result.With(request!.Snapshot(_time.GetUtcNow()));
    }

    private ValueTask<GateResult> SignOffAsync(string requestId, string reviewerId, bool approve, string? reason, CancellationToken cancellationToken) =>
        OnRequestAsync(requestId, reviewerId, "makerchecker.signoff", async (policy, request) =>
        {
            var now = _time.GetUtcNow();
            var reviewer = ResolvePrincipal(reviewerId);
            var presentedAt = request.FirstPresentedTo(reviewerId);
            var decision = RequestRules.SignOff(policy, Principals(policy), request, reviewerId, reviewer, approve, reason, presentedAt, now);
            var code = decision.Outcome == DecisionOutcome.Refused ? decision.ReasonCode : null;
            var entry = AuditPayloads.SignOff(policy.Hash, reviewer, reviewerId, request.Id, request.Skill, request.PayloadDigest, request.RequestedAt,
                approve, reason, presentedAt, now, decision.Rule, code).InRun(request.RunId);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is not { } recordedSeq) return null;
            if (code is not null)
            {
                _telemetry.SignOff(approve, code, null);
                Log.SignOffRefused(_logger, requestId, reviewerId, code);
                if (code == ReasonCodes.ReviewTooFast)
                {
                    var had = (long?)(now - presentedAt)?.TotalMilliseconds;
                    _reviewMonitor?.RecordRefused(new RefusedSignOff(recordedSeq, requestId, reviewerId, code, now, had));
                }
                return GateResult.From(decision, request.Snapshot(now));
            }

            var dwell = (now - presentedAt)?.TotalMilliseconds;
            _telemetry.SignOff(approve, ReasonCodes.SignedOff, dwell);
            Log.SignedOff(_logger, requestId, reviewerId, approve ? "approve" : "reject", (long?)dwell);
            _reviewMonitor?.Record(
                new SignOffRecord(recordedSeq, requestId, reviewerId, request.Skill, approve, request.RequestedAt, presentedAt, now, reason)
                {
                    CaseSize = request.CaseSize,
                });
            return GateResult.From(decision, request.Snapshot(now));
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> as one decision on the request: its checks, its compare-and-append and the change it
    /// applies are one step no other caller can interleave with, on this gate or (through the log's head) any other.
    /// The body returns <see langword="null"/> when its append lost to another writer; it then runs again on the newer state.
    /// </summary>
    private async ValueTask<GateResult> OnRequestAsync(
        string requestId, string who, string activityName, Func<CompiledPolicy, RequestState, ValueTask<GateResult?>> body,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(who);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity(activityName);
        return await DecideAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, who, requestId, activityName).ConfigureAwait(false) is { } superseded) return superseded;
            var request = await FindRequestLockedAsync(requestId).ConfigureAwait(false);
            if (request is null) return NotFound(policy, requestId, who);
            if (!await RecordLapseLockedAsync(policy, request, _time.GetUtcNow()).ConfigureAwait(false)) return null;
            return await body(policy, request).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static GateResult NotFound(CompiledPolicy policy, string requestId, string who) =>
        new(DecisionOutcome.Refused, ReasonCodes.RequestNotFound, default, policy.Hash,
            DecisionMessages.ForRequestStep(ReasonCodes.RequestNotFound, who, requestId, null)!);
}
