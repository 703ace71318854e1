using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>Idempotent invocations, and resolving an action that started and has no recorded outcome.</summary>
public sealed partial class ApprovalGate
{
    /// <summary>The longest idempotency key accepted: a key is an id, not data.</summary>
    internal const int MaxIdempotencyKeyLength = 200;

    /// <summary>
    /// Records what happened to an action that started and has no recorded outcome: an approved request left
    /// <see cref="ApprovalStatus.Executing"/> (the process ended while the action ran, or the log could not record its
    /// outcome before the process ended), or an allowed invocation with no <c>action.executed</c>/<c>action.failed</c>.
    /// Recorded as <c>action.outcome_resolved</c> with the resolution, the reason and the resolver.
    /// </summary>
    /// <remarks>
    /// Only an active human who is an eligible approver under the gate in force for the skill (the same rules as a
    /// sign-off) and is not the principal who ran the action may resolve; an ungated skill has no one to resolve it.
    /// A request resolved <see cref="ActionResolution.NotExecuted"/> is approved again and may be executed once;
    /// <see cref="ActionResolution.Unknown"/> closes it as failed; <see cref="ActionResolution.Executed"/> as executed.
    /// Resolve only an action that is known not to be running any more.
    /// </remarks>
    /// <param name="id">The request id or invocation id.</param>
    /// <param name="principalId">Who resolves.</param>
    /// <param name="resolution">What happened to the action.</param>
    /// <param name="reason">How the resolver established it; required.</param>
    /// <param name="cancellationToken">Cancels waiting for the gate.</param>
    /// <returns>
    /// <c>outcome_resolved</c>, or a refusal: <c>request_not_found</c>, <c>nothing_to_resolve</c>, <c>reason_required</c>,
    /// <c>resolution_not_allowed</c>.
    /// </returns>
    /// <exception cref="AuditStoreException">The resolution (or its refusal) could not be recorded.</exception>
    public async ValueTask<GateResult> ResolveOutcomeAsync(
        string id, string principalId, ActionResolution resolution, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(principalId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.resolve_outcome");
        return await DecideAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principalId, id, "resolve").ConfigureAwait(false) is { } superseded) return superseded;
            var request = await FindRequestLockedAsync(id).ConfigureAwait(false);
            _state.Invocations.TryGetValue(id, out var invocation);
            if (request is null && invocation is null) return NotFound(policy, id, principalId);

            var now = _time.GetUtcNow();
            var resolver = ResolvePrincipal(principalId);
            var (entityType, ranBy, skill, executionId) = request is not null
                ? (AuditEventWriter.RequestEntity, request.RequesterId, request.Skill, request.ExecutionId)
                : (AuditEventWriter.InvocationEntity, invocation!.PrincipalId, invocation.Skill, null);
            var started = request is not null ? request.Status == ApprovalStatus.Executing : invocation!.Status == InvocationStatus.Started;
            var status = request?.Status.ToString().ToLowerInvariant() ?? invocation!.Status.ToString().ToLowerInvariant();
            var (code, rule, detail) = !started ? (ReasonCodes.NothingToResolve, default, status)
                : string.IsNullOrWhiteSpace(reason) ? (ReasonCodes.ReasonRequired, default(SourceLocation), (string?)null)
                : CheckResolver(policy, resolver, principalId, ranBy, skill);
            if (code is not null)
            {
                var runId = request?.RunId ?? invocation?.RunId;
                var refusal = AuditPayloads.Refused(policy.Hash, resolver, principalId, skill, code, rule, entityType, id, null, now, "resolve").InRun(runId);
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
                _telemetry.Decision(DecisionOutcome.Refused, code);
                Log.DecisionRefused(_logger, principalId, skill, code, rule, "resolve");
                var message = DecisionMessages.Describe(code, principalId, id, detail);
                return new GateResult(DecisionOutcome.Refused, code, rule, policy.Hash, message, request?.Snapshot(now));
            }

            var name = resolution switch
            {
                ActionResolution.Executed => ActionOutcomeResolved.Executed,
                ActionResolution.NotExecuted => ActionOutcomeResolved.NotExecuted,
                _ => ActionOutcomeResolved.Unknown,
            };
            var entry = AuditPayloads.OutcomeResolved(policy.Hash, resolver, entityType, id, executionId, ranBy, skill, name, reason, now)
                .InRun(request?.RunId ?? invocation?.RunId);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
            _telemetry.Decision(DecisionOutcome.Allowed, ReasonCodes.OutcomeResolved);
            Log.OutcomeResolved(_logger, principalId, entityType, id, name);
            var resolved = DecisionMessages.Describe(ReasonCodes.OutcomeResolved, principalId, id, name);
            return new GateResult(DecisionOutcome.Allowed, ReasonCodes.OutcomeResolved, rule, policy.Hash, resolved, request?.Snapshot(now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Who may resolve: an active human, eligible to approve under the gate in force for the skill, who did not run the action.</summary>
    private (string? Code, SourceLocation Rule, string? Detail) CheckResolver(
        CompiledPolicy policy, PrincipalDefinition? resolver, string resolverId, string ranBy, string skill)
    {
        var (why, gate) = CheckAfterTheFact(
            policy, resolver, resolverId, ranBy, skill, "the principal who ran an action may not resolve its outcome", "resolve an outcome");
        return why is null ? (null, gate!.Location, null) : (ReasonCodes.ResolutionNotAllowed, gate?.Location ?? default, why);
    }

    /// <summary>
    /// Who may judge, after the fact, what <paramref name="ranBy"/> did with <paramref name="skill"/> (resolve an action's
    /// outcome, review a break-glass use): an active human who is an eligible approver under the gate in force over that
    /// grant, with <paramref name="ranBy"/> as the requester, and is not <paramref name="ranBy"/>. Why not, or null; and the gate.
    /// </summary>
    private (string? Why, GateDefinition? Gate) CheckAfterTheFact(
        CompiledPolicy policy, PrincipalDefinition? judge, string judgeId, string ranBy, string skill, string selfWhy, string task)
    {
        var runner = ResolvePrincipal(ranBy);
        GateDefinition? gate = null;
        if (runner is not null && policy.TryGetRole(runner.Role, out var role) && role.TryGetGrant(skill, out var grant)) gate = grant.Gate;
        var why = judge is null ? $"no principal '{judgeId}' is known"
            : judgeId == ranBy ? selfWhy
            : judge.Kind != PrincipalKind.Human ? $"only a human may {task}"
            : gate is null ? $"the policy in force has no gate on {skill} for '{ranBy}', so it names no one who may {task}"
            : SignerEligibility.Ineligibility(gate, judge, runner!) is { } ineligible ? $"not an eligible approver of the gate ({ineligible})"
            : null;
        return (why, gate);
    }

    private static void CheckIdempotencyKey(string? key)
    {
        if (key is null) return;
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxIdempotencyKeyLength)
        {
            throw new ArgumentException(
                $"An idempotency key must be non-blank and at most {MaxIdempotencyKeyLength} characters; pass null for none.", nameof(key));
        }
    }

    /// <summary>
    /// Answers a call whose idempotency key this principal used before (the projection knows every such call, from the
    /// log): the first call's result when it matches and ran or opened a request; a recorded refusal when it differs or
    /// its action is running, failed or has no outcome. Not answered (decided afresh) when the key is new or its first
    /// call's action is known never to have run. The decision is <see langword="default"/> (not decided) when a refusal lost the head.
    /// </summary>
    private async ValueTask<(bool Answered, Decided Decision)> ReplayAsync(
        CompiledPolicy policy, PrincipalDefinition? principal, string principalId, string skill, string key, string digest, DateTimeOffset now)
    {
        // A key is remembered for a day after its first call (GateProjection.IdempotencyRetention); later, the call is a new one.
        if (!_state.IdempotentCalls.TryGetValue((principalId, key), out var first) || first.At <= now - GateProjection.IdempotencyRetention)
        {
            return (false, default);
        }
        if (first.Skill != skill || first.PayloadDigest != digest)
        {
            var message = DecisionMessages.Describe(ReasonCodes.IdempotencyKeyReused, principalId, first.EntityId, key);
            var reused = await RefuseInvocationAsync(
                    policy, principal, principalId, skill, ReasonCodes.IdempotencyKeyReused, default, NewId(now), digest, now, message, "invoke")
                .ConfigureAwait(false);
            return (true, reused);
        }

        if (first.EntityType == AuditEventWriter.RequestEntity && await FindRequestLockedAsync(first.EntityId).ConfigureAwait(false) is { } request)
        {
            var snapshot = request.Snapshot(now);
            var status = snapshot.Status.ToString().ToLowerInvariant();
            var opened = $"The call with this idempotency key opened request {request.Id} (now {status}); no new request was opened.";
            var replayed = new GateResult(
                DecisionOutcome.ApprovalRequired, first.ReasonCode, default, request.PolicyHash, opened, snapshot, snapshot.Sampled, replay: true);
            return (true, new Decided(replayed));
        }

        if (!_state.Invocations.TryGetValue(first.EntityId, out var invocation) || invocation.Status == InvocationStatus.NotExecuted) return (false, default);
        if (invocation.Status == InvocationStatus.Executed)
        {
            var ran = $"The call with this idempotency key ran as invocation {invocation.Id}; it was not run again.";
            return (true, new Decided(new GateResult(DecisionOutcome.Allowed, first.ReasonCode, default, invocation.PolicyHash, ran, replay: true)));
        }

        var state = invocation.Status switch
        {
            InvocationStatus.Started => "is running or has no recorded outcome",
            InvocationStatus.Failed => "failed",
            _ => "has an unknown outcome",
        };
        var refused = DecisionMessages.Describe(ReasonCodes.AlreadyInvoked, principalId, invocation.Id, state);
        var again = await RefuseInvocationAsync(
            policy, principal, principalId, skill, ReasonCodes.AlreadyInvoked, default, invocation.Id, digest, now, refused, "invoke").ConfigureAwait(false);
        return (true, again);
    }
}
