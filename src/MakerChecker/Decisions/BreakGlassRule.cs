using System.Text.Json.Nodes;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// The break-glass rule: a gated skill may run without approval in an emergency when a justification is given, the
/// principal could otherwise invoke the skill (the invocation rules, with the gate applying), and the grant's gate names
/// the principal's role among its break-glass roles. Like <see cref="DecisionEvaluator"/>, its only side effect is
/// counting the invocation in the limit ledger, and only when the result allows it.
/// </summary>
internal static class BreakGlassRule
{
    /// <param name="policy">The policy in force.</param>
    /// <param name="principalId">The id the caller gave.</param>
    /// <param name="principal">The principal in force, or <see langword="null"/> when none has that id.</param>
    /// <param name="skill">The gated skill, <c>name@version</c>.</param>
    /// <param name="payload">What the action runs with, read only by amount limits.</param>
    /// <param name="justification">Why approval cannot wait; required.</param>
    /// <param name="ledger">The limit ledger the invocation is counted in.</param>
    /// <param name="now">The time of the invocation.</param>
    /// <param name="counted">Whether the invocation was counted (release it if the decision cannot be recorded).</param>
    public static Decision Decide(
        CompiledPolicy policy, string principalId, PrincipalDefinition? principal, string skill, JsonObject payload, string? justification,
        LimitLedger ledger, DateTimeOffset now, out bool counted)
    {
        counted = false;
        if (string.IsNullOrWhiteSpace(justification))
        {
            return new Decision(DecisionOutcome.Refused, ReasonCodes.JustificationRequired, default, policy.Hash, principalId, skill, grant: null)
                .At(DecisionStage.BreakGlass, subject: null);
        }

        // A draw of 0 makes a sampling gate apply: break-glass is for invocations that would otherwise wait for approval.
        var decision = DecisionEvaluator.Evaluate(policy, principalId, principal, skill, payload, ledger, now, sampleDraw: 0.0, out counted)
            .At(DecisionStage.BreakGlass, subject: null);
        if (decision.Outcome == DecisionOutcome.Refused) return decision;

        var gate = decision.Grant!.Gate;
        var why = gate is null ? "the grant has no gate, so invoke the skill normally"
            : !Names(gate.BreakGlassRoles, principal!.Role) ? $"the gate at {gate.Location} does not name role '{principal.Role}' in break_glass"
            : null;
        if (why is not null)
        {
            if (counted) ledger.Release(principalId, skill, now);
            counted = false;
            return decision.As(DecisionOutcome.Refused, ReasonCodes.BreakGlassNotAllowed, gate?.Location ?? decision.Rule, why);
        }
        return decision.As(DecisionOutcome.Allowed, ReasonCodes.BreakGlass, decision.Rule);
    }

    private static bool Names(IReadOnlyList<string> roles, string role)
    {
        for (var i = 0; i < roles.Count; i++)
        {
            if (string.Equals(roles[i], role, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
