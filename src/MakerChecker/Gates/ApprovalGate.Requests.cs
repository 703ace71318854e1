using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Validation;
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
            var code = !request.IsOpen ? ReasonCodes.RequestClosed
                : request.IsExpiredAt(now) ? ReasonCodes.RequestExpired
                : reviewer is null ? ReasonCodes.PrincipalUnknown
                : reviewer.Status != PrincipalStatus.Active ? ReasonCodes.PrincipalInactive
                : null;
            if (code is not null)
            {
                // A refused presentation is not recorded, so it is judged on the latest log (a principal may have been reactivated elsewhere).
                return await MovedLockedAsync(AuditEventTypes.ApprovalPresented).ConfigureAwait(false) ? null : Refusal(policy, code, default, reviewerId, request, now);
            }

            if (await AppendOnHeadAsync(AuditPayloads.Presented(policy.Hash, reviewer!, request.Id, request.PayloadDigest, now)).ConfigureAwait(false) is null) return null;
            Log.Presented(_logger, requestId, reviewerId);
            return new GateResult(DecisionOutcome.Allowed, ReasonCodes.Presented, default, policy.Hash, GateMessages.Describe(ReasonCodes.Presented, reviewerId, requestId), request.Snapshot(now));
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

    /// <summary>Rejects the request as <paramref name="reviewerId"/>, which closes it. The same rules as <see cref="ApproveAsync"/> apply, and a reason is required.</summary>
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
    public async ValueTask<GateResult> ExecuteAsync(string requestId, string principalId, JsonObject payload, Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(action);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.execute");
        var digest = PayloadDigest.Compute(payload);

        RequestState? request = null;
        var decided = await DecideAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principalId, requestId, "execute").ConfigureAwait(false) is { } superseded) return new Decided(superseded);
            request = await FindRequestLockedAsync(requestId).ConfigureAwait(false);
            if (request is null) return new Decided(NotFound(policy, requestId, principalId));

            var now = _time.GetUtcNow();
            var requester = ResolvePrincipal(principalId);
            var (code, rule, detail, approvers) = CheckExecution(policy, request, principalId, requester, digest, now);
            if (code is not null)
            {
                var refusal = AuditPayloads.Refused(policy.Hash, requester, principalId, request.Skill, code, rule, AuditPayloads.RequestEntity, request.Id, digest, now, "execute");
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
                _telemetry.Decision(DecisionOutcome.Refused, code);
                Log.DecisionRefused(_logger, principalId, request.Skill, code, rule, "execute");
                return new Decided(new GateResult(DecisionOutcome.Refused, code, rule, policy.Hash, GateMessages.Describe(code, principalId, requestId, detail), request.Snapshot(now)));
            }

            // Once action.started is in the log (and applied) the request is Executing, so no caller on any gate can start it again.
            var executionId = NewId(now);
            var startEntry = AuditPayloads.ActionStarted(policy.Hash, requester!, request.Id, request.Skill, request.PayloadDigest, executionId, approvers!, rule, now);
            if (await AppendOnHeadAsync(startEntry).ConfigureAwait(false) is null) return null;
            _telemetry.Decision(DecisionOutcome.Allowed, ReasonCodes.Executed);
            Log.Executing(_logger, requestId, request.Skill, principalId);
            var started = new GateResult(DecisionOutcome.Allowed, ReasonCodes.Executed, rule, policy.Hash, GateMessages.Describe(ReasonCodes.Executed, principalId, requestId));
            return new Decided(started, new ActionRun(requester!, request.Skill, AuditPayloads.RequestEntity, request.Id, policy.Hash, executionId));
        }, cancellationToken).ConfigureAwait(false);
        if (decided.Run is not { } run) return decided.Result;

        // The action runs outside the decision lock; its outcome is applied in chain order.
        await RunActionAsync(run, action, cancellationToken).ConfigureAwait(false);
        var result = decided.Result;
        return new GateResult(result.Outcome, result.ReasonCode, result.Rule, result.PolicyHash, result.Message, request!.Snapshot(_time.GetUtcNow()));
    }

    private ValueTask<GateResult> SignOffAsync(string requestId, string reviewerId, bool approve, string? reason, CancellationToken cancellationToken) =>
        OnRequestAsync(requestId, reviewerId, "makerchecker.signoff", async (policy, request) =>
        {
            var now = _time.GetUtcNow();
            var reviewer = ResolvePrincipal(reviewerId);
            var presentedAt = request.FirstPresentedTo(reviewerId);
            var (code, rule, detail) = CheckSignOff(policy, request, reviewerId, reviewer, approve, reason, presentedAt, now);
            var entry = AuditPayloads.SignOff(
                policy.Hash, reviewer, reviewerId, request.Id, request.Skill, request.PayloadDigest, request.RequestedAt, approve, reason, presentedAt, now, rule, code);
            var recorded = await AppendOnHeadAsync(entry).ConfigureAwait(false);
            if (recorded is null) return null;
            if (code is not null)
            {
                _telemetry.SignOff(approve, code, null);
                Log.SignOffRefused(_logger, requestId, reviewerId, code);
                if (code == ReasonCodes.ReviewTooFast)
                {
                    _reviewMonitor?.RecordRefused(new RefusedSignOff(recorded.Seq, requestId, reviewerId, code, now, (long?)(now - presentedAt)?.TotalMilliseconds));
                }
                return new GateResult(DecisionOutcome.Refused, code, rule, policy.Hash, GateMessages.Describe(code, reviewerId, requestId, detail), request.Snapshot(now));
            }

            var dwell = (now - presentedAt)?.TotalMilliseconds;
            _telemetry.SignOff(approve, ReasonCodes.SignedOff, dwell);
            Log.SignedOff(_logger, requestId, reviewerId, approve ? "approve" : "reject", (long?)dwell);
            _reviewMonitor?.Record(new SignOffRecord(recorded.Seq, requestId, reviewerId, request.Skill, approve, request.RequestedAt, presentedAt, now, reason));
            return new GateResult(DecisionOutcome.Allowed, ReasonCodes.SignedOff, rule, policy.Hash, GateMessages.Describe(ReasonCodes.SignedOff, reviewerId, requestId, approve ? "approved" : "rejected"), request.Snapshot(now));
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> as one decision on the request: its checks, its compare-and-append and the change it
    /// applies are one step no other caller can interleave with, on this gate or (through the log's head) any other.
    /// The body returns <see langword="null"/> when its append lost to another writer; it then runs again on the newer state.
    /// </summary>
    private async ValueTask<GateResult> OnRequestAsync(string requestId, string who, string activityName, Func<CompiledPolicy, RequestState, ValueTask<GateResult?>> body, CancellationToken cancellationToken)
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
            return request is null ? NotFound(policy, requestId, who) : await body(policy, request).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sign-off rules, in order. Returns the refusal's code (or null), the rule that decided, and a detail for the message.</summary>
    private (string? Code, SourceLocation Rule, string? Detail) CheckSignOff(
        CompiledPolicy policy, RequestState request, string reviewerId, PrincipalDefinition? reviewer, bool approve, string? reason, DateTimeOffset? presentedAt, DateTimeOffset now)
    {
        if (!request.IsOpen) return (ReasonCodes.RequestClosed, default, request.Status.ToString().ToLowerInvariant());
        if (request.IsExpiredAt(now)) return (ReasonCodes.RequestExpired, default, AuditTime.Format(request.ExpiresAt));
        if (!approve && string.IsNullOrWhiteSpace(reason)) return (ReasonCodes.ReasonRequired, default, null);

        var requester = ResolvePrincipal(request.RequesterId);
        var (gateCode, gate, gateRule) = CurrentGate(policy, request, requester);
        if (gate is null) return (gateCode, gateRule, null);

        var ineligible = Ineligibility(gate, reviewer, requester!);
        if (ineligible is not null) return (ineligible, RuleFor(ineligible, gate, reviewer), string.Join(", ", gate.ApproverRoles));
        if (request.HasSigned(reviewerId)) return (ReasonCodes.AlreadySigned, gate.Location, null);
        if (presentedAt is null && gate.RequirePresentation) return (ReasonCodes.NotPresented, gate.Location, null);

        // Without a required presentation, the floor runs from the request's opening: never from nothing.
        var had = now - (presentedAt ?? request.RequestedAt);
        if (had < gate.MinReview) return (ReasonCodes.ReviewTooFast, gate.Location, $"{had.TotalSeconds:0.###} s");
        return (null, gate.Location, null);
    }

    /// <summary>The execution checks, in order; on success also the approvers whose sign-offs count now.</summary>
    private (string? Code, SourceLocation Rule, string? Detail, string[]? Approvers) CheckExecution(
        CompiledPolicy policy, RequestState request, string principalId, PrincipalDefinition? requester, string digest, DateTimeOffset now)
    {
        if (request.Status is ApprovalStatus.Executing or ApprovalStatus.Executed or ApprovalStatus.Failed)
        {
            return (ReasonCodes.AlreadyExecuted, default, request.Status.ToString().ToLowerInvariant(), null);
        }
        if (request.Status == ApprovalStatus.Rejected) return (ReasonCodes.RequestClosed, default, "rejected", null);
        if (request.IsExpiredAt(now)) return (ReasonCodes.RequestExpired, default, AuditTime.Format(request.ExpiresAt), null);
        if (principalId != request.RequesterId) return (ReasonCodes.NotRequester, default, null, null);
        if (digest != request.PayloadDigest) return (ReasonCodes.PayloadMismatch, default, request.PayloadDigest, null);

        // Grants and statuses are judged again now: a revoked grant or a suspended agent stops the execution.
        var again = DecisionEvaluator.Evaluate(policy, principalId, requester, request.Skill);
        if (again.Outcome == DecisionOutcome.Refused) return (again.ReasonCode, again.Rule, null, null);
        var (gateCode, gate, gateRule) = CurrentGate(policy, request, requester);
        if (gate is null) return (gateCode, gateRule, null, null);

        var approvers = request.SignOffsSnapshot()
            .Where(s => s.Approved && Ineligibility(gate, ResolvePrincipal(s.ReviewerId), requester!) is null)
            .Select(s => s.ReviewerId)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var needed = Math.Max(gate.Approvers, request.RequiredApprovals);
        if (approvers.Length < needed) return (ReasonCodes.NotApproved, gate.Location, $"{approvers.Length} of {needed}", null);
        return (null, gate.Location, null, approvers);
    }

    /// <summary>The gate in force now over the request's grant: the one that judges its sign-offs and execution.</summary>
    private static (string? Code, GateDefinition? Gate, SourceLocation Rule) CurrentGate(CompiledPolicy policy, RequestState request, PrincipalDefinition? requester)
    {
        if (requester is null) return (ReasonCodes.PrincipalUnknown, null, default);
        if (!policy.TryGetRole(requester.Role, out var role)) return (ReasonCodes.RoleUnknown, null, requester.Location);
        if (!role.TryGetGrant(request.Skill, out var grant)) return (ReasonCodes.SkillNotGranted, null, role.Location);
        return grant.Gate is { } gate ? (null, gate, gate.Location) : (ReasonCodes.GateRemoved, null, grant.Location);
    }

    /// <summary>Why <paramref name="reviewer"/> may not sign under <paramref name="gate"/> for <paramref name="requester"/>, or null when it may.</summary>
    internal static string? Ineligibility(GateDefinition gate, PrincipalDefinition? reviewer, PrincipalDefinition requester)
    {
        // The same rules GateEligibility states (and the policy compiler counts with), each mapped to its reason code.
        if (reviewer is null) return ReasonCodes.PrincipalUnknown;
        if (reviewer.Status != PrincipalStatus.Active) return ReasonCodes.PrincipalInactive;
        if (reviewer.Kind == PrincipalKind.Agent && !gate.AllowAgentApprovers) return ReasonCodes.AgentCannotApprove;
        if (!GateEligibility.IsAllowedKind(gate, reviewer.Kind) || !gate.ApproverRoles.Contains(reviewer.Role, StringComparer.Ordinal)) return ReasonCodes.ApproverNotEligible;
        if (GateEligibility.IsRequester(gate, reviewer, requester)) return ReasonCodes.RequesterCannotApprove;
        if (GateEligibility.IsLinkedByOwnership(gate, reviewer, requester)) return ReasonCodes.OwnerCannotApprove;
        return null;
    }

    private static SourceLocation RuleFor(string code, GateDefinition gate, PrincipalDefinition? reviewer) =>
        code is ReasonCodes.PrincipalInactive && reviewer is not null ? reviewer.Location : gate.Location;

    private static GateResult Refusal(CompiledPolicy policy, string code, SourceLocation rule, string who, RequestState request, DateTimeOffset now) =>
        new(DecisionOutcome.Refused, code, rule, policy.Hash, GateMessages.Describe(code, who, request.Id, request.Status.ToString().ToLowerInvariant()), request.Snapshot(now));

    private static GateResult NotFound(CompiledPolicy policy, string requestId, string who) =>
        new(DecisionOutcome.Refused, ReasonCodes.RequestNotFound, default, policy.Hash, GateMessages.Describe(ReasonCodes.RequestNotFound, who, requestId));
}
