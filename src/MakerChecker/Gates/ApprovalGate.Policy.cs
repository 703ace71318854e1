using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>
/// Replacing the policy in force. A policy with <c>policy.changes</c> governs its own replacement: a new policy is
/// proposed (a request like any gated skill's, bound to the proposed policy's hash), presented to and approved by N
/// distinct eligible humans, then activated by its proposer; or activated without approval under break-glass by a role
/// <c>policy.changes.break_glass</c> names. A policy without the section may be replaced directly (warning MC2006).
/// </summary>
public sealed partial class ApprovalGate
{
    private const string PolicyStage = "policy_change";

    /// <summary>
    /// Puts a new policy in force, recording <c>policy.activated</c> (with the policy's canonical form) first. Open requests
    /// are judged by it from now on. Refused with <c>policy_change_requires_approval</c> when the policy in force has
    /// <c>policy.changes</c>: then use <see cref="ProposePolicyAsync"/> and <see cref="ActivateApprovedPolicyAsync"/>,
    /// or <see cref="BreakGlassPolicyAsync"/>.
    /// </summary>
    /// <param name="policy">The new policy.</param>
    /// <param name="cancellationToken">Cancels waiting for initialization.</param>
    /// <returns><c>policy_activated</c>, or the refusal (recorded as <c>decision.refused</c>).</returns>
    /// <exception cref="AuditStoreException">The activation (or its refusal) could not be recorded; the policy in force is unchanged.</exception>
    public async ValueTask<GateResult> ActivatePolicyAsync(CompiledPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(async () =>
        {
            var inForce = _policy;
            if (await SupersededAsync(inForce, "host", policy.Hash, PolicyStage).ConfigureAwait(false) is { } superseded) return superseded;
            var (code, rule) = PolicyChangeRules.ActivateDirectly(inForce);
            if (code is not null) return await RefusePolicyAsync(inForce, null, "host", policy, code, rule, null).ConfigureAwait(false);
            return await ActivateLockedAsync(policy, AuditPayloads.PolicyActivated(policy, _time.GetUtcNow()), "host").ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Proposes <paramref name="policy"/> to replace the policy in force, which must have <c>policy.changes</c>. Opens a
    /// request (<c>approval.requested</c>, skill <see cref="PolicyChangeControl.Skill"/>) bound to the proposed policy's
    /// hash; reviewers then go through <see cref="PresentAsync"/> and <see cref="ApproveAsync"/> or <see cref="RejectAsync"/>
    /// under the sign-off rules of <c>policy.changes</c> (the proposer never signs, only humans sign, <c>min_review</c>).
    /// </summary>
    /// <param name="proposerId">Who proposes: an active principal holding one of <c>policy.changes.proposer_roles</c>.</param>
    /// <param name="policy">The proposed policy.</param>
    /// <param name="reason">Why the policy should change; required and recorded.</param>
    /// <param name="cancellationToken">Cancels waiting for initialization.</param>
    /// <returns><c>approval_required</c> with the request, or a refusal.</returns>
    /// <exception cref="AuditStoreException">The request (or its refusal) could not be recorded.</exception>
    public async ValueTask<GateResult> ProposePolicyAsync(
        string proposerId, CompiledPolicy policy, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proposerId);
        ArgumentNullException.ThrowIfNull(policy);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(async () =>
        {
            var inForce = _policy;
            if (await SupersededAsync(inForce, proposerId, policy.Hash, PolicyStage).ConfigureAwait(false) is { } superseded) return superseded;
            var proposer = ResolvePrincipal(proposerId);
            var (code, rule, detail) = PolicyChangeRules.Propose(inForce, proposer, policy, reason);
            if (code is not null) return await RefusePolicyAsync(inForce, proposer, proposerId, policy, code, rule, detail).ConfigureAwait(false);

            var changes = inForce.Changes!;
            var now = _time.GetUtcNow();
            var id = NewId(now);
            var decision = new Decision(DecisionOutcome.ApprovalRequired, ReasonCodes.ApprovalRequired, rule, inForce.Hash, proposerId,
                PolicyChangeControl.Skill, grant: null);
            var basis = new RecordedBasis(RuleId: null, ModelVersion: $"{policy.Name} {policy.Version}".TrimEnd(), DatasetDigest: null, Reason: reason);
            var entry = AuditPayloads.ApprovalRequested(decision, proposer!, id, PolicyChangeRules.Digest(policy), basis, now, now + changes.ExpiresAfter,
                changes.Approvers, counted: false);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
            _telemetry.Decision(DecisionOutcome.ApprovalRequired, ReasonCodes.ApprovalRequired);
            Log.ApprovalRequested(_logger, id, PolicyChangeControl.Skill, proposerId, ReasonCodes.ApprovalRequired, false);
            return new GateResult(DecisionOutcome.ApprovalRequired, ReasonCodes.ApprovalRequired, rule, inForce.Hash,
                $"The change to policy {policy.Hash[..12]} needs {changes.Approvers} approval(s) under 'policy.changes' at {rule}; request {id}.",
                _state.Requests[id].Snapshot(now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts in force the policy an approved change request proposed. Only its proposer may, once, with exactly the approved
    /// policy, while the request is not expired, and while at least N of its approvals are from reviewers still eligible
    /// under the <c>policy.changes</c> in force. Recorded as <c>policy.activated</c> with the activator, the request and the approvers.
    /// </summary>
    /// <param name="requestId">The change request (from <see cref="ProposePolicyAsync"/>).</param>
    /// <param name="principalId">Who activates: the proposer.</param>
    /// <param name="policy">The approved policy.</param>
    /// <param name="cancellationToken">Cancels waiting for initialization.</param>
    /// <returns><c>policy_activated</c>, or a refusal (<c>not_approved</c>, <c>payload_mismatch</c>, <c>request_expired</c>, …).</returns>
    /// <exception cref="AuditStoreException">The activation (or its refusal) could not be recorded; the policy in force is unchanged.</exception>
    public async ValueTask<GateResult> ActivateApprovedPolicyAsync(
        string requestId, string principalId, CompiledPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(policy);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(async () =>
        {
            var inForce = _policy;
            if (await SupersededAsync(inForce, principalId, requestId, PolicyStage).ConfigureAwait(false) is { } superseded) return superseded;
            var request = await FindRequestLockedAsync(requestId).ConfigureAwait(false);
            if (request is null) return NotFound(inForce, requestId, principalId);
            var now = _time.GetUtcNow();
            if (!await RecordLapseLockedAsync(inForce, request, now).ConfigureAwait(false)) return null;
            var by = ResolvePrincipal(principalId);
            var (code, rule, detail) = PolicyChangeRules.ActivateApproved(inForce, Principals(inForce), request, principalId, policy, now, out var approvers);
            if (code is not null)
            {
                var refusal = AuditPayloads.Refused(inForce.Hash, by, principalId, request.Skill, code, rule, AuditEventWriter.RequestEntity, request.Id,
                    PolicyChangeRules.Digest(policy), now, PolicyStage);
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
                _telemetry.Decision(DecisionOutcome.Refused, code);
                Log.DecisionRefused(_logger, principalId, request.Skill, code, rule, PolicyStage);
                return new GateResult(DecisionOutcome.Refused, code, rule, inForce.Hash, DecisionMessages.Describe(code, principalId, requestId, detail),
                    request.Snapshot(now));
            }
            return await ActivateLockedAsync(policy, AuditPayloads.PolicyActivated(policy, now, by, request.Id, approvers), principalId).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts <paramref name="policy"/> in force without approval in an emergency: only for a role that
    /// <c>policy.changes.break_glass</c> names, with a justification. Recorded as <c>policy.activated</c> with the
    /// activator and the justification, and listed by <see cref="GetBreakGlassForReview"/> for mandatory review.
    /// </summary>
    /// <param name="principalId">Who breaks the glass.</param>
    /// <param name="policy">The new policy.</param>
    /// <param name="justification">Why approval cannot wait; required.</param>
    /// <param name="cancellationToken">Cancels waiting for initialization.</param>
    /// <returns><c>break_glass</c>, or a refusal (<c>break_glass_not_allowed</c>, <c>justification_required</c>, …).</returns>
    /// <exception cref="AuditStoreException">The activation (or its refusal) could not be recorded; the policy in force is unchanged.</exception>
    public async ValueTask<GateResult> BreakGlassPolicyAsync(
        string principalId, CompiledPolicy policy, string justification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(policy);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await DecideAsync(async () =>
        {
            var inForce = _policy;
            if (await SupersededAsync(inForce, principalId, policy.Hash, PolicyStage).ConfigureAwait(false) is { } superseded) return superseded;
            var by = ResolvePrincipal(principalId);
            var (code, rule, detail) = PolicyChangeRules.BreakGlass(inForce, by, policy, justification);
            if (code is not null) return await RefusePolicyAsync(inForce, by, principalId, policy, code, rule, detail).ConfigureAwait(false);
            var entry = AuditPayloads.PolicyActivated(policy, _time.GetUtcNow(), by, justification: justification);
            var result = await ActivateLockedAsync(policy, entry, principalId).ConfigureAwait(false);
            if (result is null) return null;
            Log.BreakGlass(_logger, principalId, PolicyChangeControl.Skill, policy.Hash);
            return new GateResult(DecisionOutcome.Allowed, ReasonCodes.BreakGlass, rule, policy.Hash,
                $"'{principalId}' put policy {policy.Hash[..12]} in force under break-glass ('policy.changes' at {rule}); it is listed for mandatory review.");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="entry"/> (a <c>policy.activated</c>) on the head and, once recorded, puts the policy in force.</summary>
    private async ValueTask<GateResult?> ActivateLockedAsync(CompiledPolicy policy, GateEntry entry, string who)
    {
        if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
        _policy = policy;
        _telemetry.Decision(DecisionOutcome.Executed, ReasonCodes.PolicyActivated);
        Log.PolicyActivated(_logger, policy.Name, policy.Hash);
        return new GateResult(DecisionOutcome.Executed, ReasonCodes.PolicyActivated, default, policy.Hash,
            DecisionMessages.Describe(ReasonCodes.PolicyActivated, who, policy.Hash));
    }

    /// <summary>Records a refused policy change (<c>decision.refused</c>, entity <c>policy</c> / the proposed hash) and returns it.</summary>
    private async ValueTask<GateResult?> RefusePolicyAsync(
        CompiledPolicy inForce, PrincipalDefinition? principal, string principalId, CompiledPolicy proposed, string code, SourceLocation rule, string? detail)
    {
        var now = _time.GetUtcNow();
        var refusal = AuditPayloads.Refused(inForce.Hash, principal, principalId, PolicyChangeControl.Skill, code, rule, AuditEventWriter.PolicyEntity,
            proposed.Hash, PolicyChangeRules.Digest(proposed), now, PolicyStage);
        if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
        _telemetry.Decision(DecisionOutcome.Refused, code);
        Log.DecisionRefused(_logger, principalId, PolicyChangeControl.Skill, code, rule, PolicyStage);
        return new GateResult(DecisionOutcome.Refused, code, rule, inForce.Hash, DecisionMessages.Describe(code, principalId, proposed.Hash, detail));
    }
}
