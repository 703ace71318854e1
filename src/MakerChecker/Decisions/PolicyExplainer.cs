using System.Text.Json.Nodes;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>What a policy decides for one principal and skill, and why, without running or recording anything.</summary>
/// <param name="Outcome">Allowed, approval required, or refused.</param>
/// <param name="ReasonCode">The stable reason code, the same the gate would record (see the reason-code reference).</param>
/// <param name="Rule">
/// The rule that decided (policy file and line); <c>default</c> when nothing in the policy applies, for example for an unknown principal.
/// </param>
/// <param name="PolicyHash">The hash of the policy that decided.</param>
/// <param name="Message">What was decided and, for a refusal, how to fix it.</param>
/// <param name="Grant">The grant the decision was made under, or <see langword="null"/> when none applies; its gate says who must sign and how.</param>
public sealed record PolicyExplanation(
    DecisionOutcome Outcome, string ReasonCode, SourceLocation Rule, string PolicyHash, string Message, GrantDefinition? Grant);

/// <summary>
/// Explains decisions with the same evaluator the <see cref="Gates.ApprovalGate"/> uses, so an explanation and the
/// gate can never disagree. Rate limits are not counted (they depend on the live log), and a sampled gate is
/// explained as not drawn: <see cref="PolicyExplanation.Grant"/> carries its sampling share.
/// </summary>
public static class PolicyExplainer
{
    /// <summary>Explains what <paramref name="policy"/> decides when <paramref name="principalId"/> invokes <paramref name="skill"/>.</summary>
    /// <param name="policy">The compiled policy.</param>
    /// <param name="principalId">A principal declared in the policy (run-time registered principals live in the gate's log, not here).</param>
    /// <param name="skill">The skill, <c>name@version</c>.</param>
    /// <param name="payload">
    /// The invocation's payload, read only by <c>max_amount</c> limits; without it such a grant is refused as
    /// <c>limit_amount_unreadable</c>, as the gate would refuse it.
    /// </param>
    /// <returns>The decision, its reason code, the rule that decided and the policy hash.</returns>
    public static PolicyExplanation Explain(CompiledPolicy policy, string principalId, string skill, JsonObject? payload = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(principalId);
        ArgumentNullException.ThrowIfNull(skill);
        policy.TryGetPrincipal(principalId, out var principal);
        var decision = DecisionEvaluator.Evaluate(policy, principalId, principal, skill, payload, ledger: null, now: default, sampleDraw: 1.0, out _);
        return new PolicyExplanation(decision.Outcome, decision.ReasonCode, decision.Rule, decision.PolicyHash, decision.Message, decision.Grant);
    }
}
