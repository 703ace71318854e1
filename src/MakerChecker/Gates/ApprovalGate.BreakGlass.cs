using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Telemetry;

namespace MakerChecker.Gates;

/// <summary>Break-glass: running a gated skill without approval in an emergency, by a named role, with a justification.</summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Runs a gated skill without approval in an emergency. Allowed only when the principal could otherwise invoke the
    /// skill, the grant's gate names the principal's role among its break-glass roles, and a justification is given.
    /// Recorded as <c>breakglass.invoked</c> and listed by <see cref="GetBreakGlassForReview"/>.
    /// </summary>
    /// <param name="principalId">Who breaks the glass.</param>
    /// <param name="skill">The gated skill, <c>name@version</c>.</param>
    /// <param name="payload">What the action runs with.</param>
    /// <param name="justification">Why approval cannot wait; required.</param>
    /// <param name="action">The action.</param>
    /// <param name="subject">
    /// Optional: the case it is about, <c>kind:id</c>; its events then carry the case's run id (as for <see cref="InvokeAsync"/>).
    /// <value>The default value is <see langword="null"/> (no case).</value>
    /// </param>
    /// <param name="cancellationToken">Passed to the action.</param>
    /// <exception cref="ArgumentException"><paramref name="subject"/> is not <c>kind:id</c>.</exception>
    /// <exception cref="ActionOutcomeNotRecordedException">The action ran (or threw), but its outcome could not be recorded yet: do not retry it.</exception>
    /// <exception cref="AuditStoreException">
    /// The break-glass could not be recorded, so the action did not run; or the gate owes the log an earlier outcome.
    /// </exception>
    public async ValueTask<GateResult> BreakGlassAsync(
        string principalId, string skill, JsonObject payload, string justification, Func<CancellationToken, ValueTask> action,
        string? subject = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(action);
        var runId = RunIdOf(subject);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        using var activity = GateTelemetry.Activities.StartActivity("makerchecker.break_glass");

        var digest = PayloadDigest.Compute(payload);
        var decided = await DecideActionAsync(async () =>
        {
            var policy = _policy;
            if (await SupersededAsync(policy, principalId, skill, "break_glass").ConfigureAwait(false) is { } superseded) return new Decided(superseded);
            var principal = ResolvePrincipal(principalId);
            var now = _time.GetUtcNow();
            var id = NewId(now);
            var decision = BreakGlassRule.Decide(policy, principalId, principal, skill, payload, justification, _state.Limits, now, out var counted);
            if (decision.Outcome == DecisionOutcome.Refused)
            {
                var refusal = AuditPayloads.Refused(policy.Hash, principal, principalId, skill, decision.ReasonCode, decision.Rule,
                    AuditEventWriter.InvocationEntity, id, digest, now, "break_glass").InRun(runId);
                if (await AppendOnHeadAsync(refusal).ConfigureAwait(false) is null) return default;
                _telemetry.Decision(decision.Outcome, decision.ReasonCode);
                Log.DecisionRefused(_logger, principalId, skill, decision.ReasonCode, decision.Rule, "break_glass");
                return new Decided(GateResult.From(decision));
            }

            var slot = counted ? new CountedSlot(principalId, skill, now) : (CountedSlot?)null;
            var entry = AuditPayloads.BreakGlass(decision, principal!, id, digest, justification, now, counted).InRun(runId);
            if (await AppendOnHeadAsync(entry, slot).ConfigureAwait(false) is null) return default;
            _telemetry.Decision(decision.Outcome, decision.ReasonCode);
            Log.BreakGlass(_logger, principalId, skill, id);
            return new Decided(
                GateResult.From(decision), new ActionRun(principal!, skill, AuditEventWriter.InvocationEntity, id, policy.Hash, RunId: runId));
        }, cancellationToken).ConfigureAwait(false);
        if (decided.Run is { } run) await RunActionAsync(run, action, cancellationToken).ConfigureAwait(false);
        return decided.Result;
    }
}
