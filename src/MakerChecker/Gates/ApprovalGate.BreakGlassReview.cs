using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>The post-hoc review of break-glass uses: each is reviewed once, and a reviewed use leaves the list awaiting review.</summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Records a reviewer's post-hoc review of a break-glass use (<see cref="GetBreakGlassForReview"/>) as
    /// <c>breakglass.reviewed</c>: <see cref="BreakGlassVerdict.Accepted"/>, or <see cref="BreakGlassVerdict.Escalated"/>
    /// with a reason. The use then leaves the list awaiting review. A refusal is recorded as <c>decision.refused</c>
    /// (stage <c>break_glass_review</c>).
    /// </summary>
    /// <remarks>
    /// The reviewer must be an active human who is an eligible approver under the gate in force over the skill for the
    /// principal who broke the glass: the sign-off rules, with that principal as the requester (so neither it nor its
    /// owner may review it), and the gate's <c>approver_roles</c> as the configured reviewer roles.
    /// </remarks>
    /// <param name="invocationId">The break-glass invocation's id (<see cref="BreakGlassRecord.InvocationId"/>).</param>
    /// <param name="reviewerId">Who reviews.</param>
    /// <param name="verdict">The review.</param>
    /// <param name="reason">Why; required for <see cref="BreakGlassVerdict.Escalated"/>, optional for an acceptance.</param>
    /// <param name="cancellationToken">Cancels waiting for the gate.</param>
    /// <returns>
    /// <c>break_glass_reviewed</c>, or a refusal: <c>break_glass_not_found</c>, <c>break_glass_already_reviewed</c>,
    /// <c>reason_required</c>, <c>break_glass_review_not_allowed</c>, <c>policy_superseded</c>.
    /// </returns>
    /// <exception cref="AuditStoreException">The review (or its refusal) could not be recorded.</exception>
    public async ValueTask<GateResult> ReviewBreakGlassAsync(
        string invocationId, string reviewerId, BreakGlassVerdict verdict, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocationId);
        ArgumentNullException.ThrowIfNull(reviewerId);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.review_break_glass");
        return await DecideAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, reviewerId, invocationId, "break_glass_review").ConfigureAwait(false) is { } superseded) return superseded;
            await CatchUpLockedAsync(CancellationToken.None).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            string? earlier = null;
            var runId = _state.BreakGlassRunIds.GetValueOrDefault(invocationId);
            if (!_state.BreakGlass.TryGetValue(invocationId, out var use))
            {
                // Reviewed already (a reviewed use leaves memory), or unknown.
                if (await FindReviewedBreakGlassLockedAsync(invocationId).ConfigureAwait(false) is { Verdict: not null } reviewed)
                {
                    (use, earlier, runId) = reviewed;
                }
                else
                {
                    var missing = DecisionMessages.Describe(ReasonCodes.BreakGlassNotFound, reviewerId, invocationId);
                    return new GateResult(DecisionOutcome.Refused, ReasonCodes.BreakGlassNotFound, default, policy.Hash, missing);
                }
            }

            var reviewer = ResolvePrincipal(reviewerId);
            var (code, rule, detail) = earlier is not null
                ? (ReasonCodes.BreakGlassAlreadyReviewed, default, earlier)
                : verdict == BreakGlassVerdict.Escalated && string.IsNullOrWhiteSpace(reason)
                    ? (ReasonCodes.ReasonRequired, default(SourceLocation), (string?)null)
                : CheckBreakGlassReviewer(policy, reviewer, reviewerId, use);
            if (code is not null)
            {
                var refusal = AuditPayloads.Refused(
                    policy.Hash, reviewer, reviewerId, use.Skill, code, rule, AuditEventWriter.InvocationEntity, invocationId, use.PayloadDigest, now,
                    "break_glass_review").InRun(runId);
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return null;
                _telemetry.Decision(DecisionOutcome.Refused, code);
                Log.DecisionRefused(_logger, reviewerId, use.Skill, code, rule, "break_glass_review");
                var message = code == ReasonCodes.ReasonRequired
                    ? $"An escalation of break-glass use {invocationId} needs a reason: say what follow-up it needs."
                    : DecisionMessages.Describe(code, reviewerId, invocationId, detail);
                return new GateResult(DecisionOutcome.Refused, code, rule, policy.Hash, message);
            }

            var name = verdict == BreakGlassVerdict.Escalated ? BreakGlassReviewed.Escalated : BreakGlassReviewed.Accepted;
            var trimmed = string.IsNullOrWhiteSpace(reason) ? null : reason;
            var entry = AuditPayloads.BreakGlassReviewed(policy.Hash, reviewer!, invocationId, use.PrincipalId, use.Skill, name, trimmed, rule, now)
                .InRun(runId);
            if (await AppendOnHeadAsync(entry).ConfigureAwait(false) is null) return null;
            _telemetry.Decision(DecisionOutcome.Allowed, ReasonCodes.BreakGlassReviewed);
            Log.BreakGlassReviewed(_logger, reviewerId, invocationId, use.Skill, name);
            var accepted = DecisionMessages.Describe(ReasonCodes.BreakGlassReviewed, reviewerId, invocationId, name);
            return new GateResult(DecisionOutcome.Allowed, ReasonCodes.BreakGlassReviewed, rule, policy.Hash, accepted);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Who may review a break-glass use: an active human, eligible to approve the skill's gate for the principal who broke the glass.</summary>
    private (string? Code, SourceLocation Rule, string? Detail) CheckBreakGlassReviewer(
        CompiledPolicy policy, PrincipalDefinition? reviewer, string reviewerId, BreakGlassRecord use)
    {
        var (why, gate) = CheckAfterTheFact(
            policy, reviewer, reviewerId, use.PrincipalId, use.Skill, "the principal who broke the glass may not review its own use",
            "review a break-glass use");
        return why is null ? (null, gate!.Location, null) : (ReasonCodes.BreakGlassReviewNotAllowed, gate?.Location ?? default, why);
    }
}
