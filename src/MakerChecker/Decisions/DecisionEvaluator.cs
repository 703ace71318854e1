using System.Text.Json.Nodes;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;

namespace MakerChecker.Decisions;

/// <summary>
/// Decides one invocation against a compiled policy, in the order the policy language defines:
/// principal active → skill forbidden → grant for the exact version → limits → gate or sampling → allow.
/// Synchronous and allocation-free; its only side effect is counting the invocation in the limit ledger, the last
/// step that can refuse, so that check and count are one atomic step.
/// </summary>
internal static class DecisionEvaluator
{
    /// <summary>Evaluates without limits' state or sampling randomness: rate ceilings are not counted and sampled gates do not draw.</summary>
    public static Decision Evaluate(CompiledPolicy policy, string principalId, PrincipalDefinition? principal, string skill) =>
        Evaluate(policy, principalId, principal, skill, payload: null, ledger: null, now: default, sampleDraw: 1.0, out _);

    /// <param name="policy">The policy in force.</param>
    /// <param name="principalId">The id the caller gave (kept for the message when the principal is unknown).</param>
    /// <param name="principal">The principal, or <see langword="null"/> when no principal has that id.</param>
    /// <param name="skill">The skill as written, <c>name@version</c>.</param>
    /// <param name="payload">The invocation's payload, read only by amount limits.</param>
    /// <param name="ledger">The limit ledger; <see langword="null"/> skips rate ceilings.</param>
    /// <param name="now">The time the invocation is counted at.</param>
    /// <param name="sampleDraw">A uniform draw from [0, 1); the invocation is sampled when it is below the gate's share.</param>
    /// <param name="counted">Whether the invocation was counted in <paramref name="ledger"/> (release it if the decision cannot be recorded).</param>
    public static Decision Evaluate(
        CompiledPolicy policy,
        string principalId,
        PrincipalDefinition? principal,
        string skill,
        JsonObject? payload,
        LimitLedger? ledger,
        DateTimeOffset now,
        double sampleDraw,
        out bool counted)
    {
        counted = false;
        var hash = policy.Hash;

        // 1. The principal exists and is active.
        if (principal is null) return Refuse(ReasonCodes.PrincipalUnknown, default);
        if (principal.Status != PrincipalStatus.Active) return Refuse(ReasonCodes.PrincipalInactive, principal.Location);

        var at = skill.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || !SkillId.IsValidName(skill.AsSpan(0, at)) || !SkillId.IsValidVersion(skill.AsSpan(at + 1)))
        {
            return Refuse(ReasonCodes.SkillMalformed, default);
        }
        if (!policy.TryGetRole(principal.Role, out var role)) return Refuse(ReasonCodes.RoleUnknown, principal.Location);

        // 2. A prohibition covers every version and wins over any grant.
        if (role.IsForbidden(skill.AsSpan(0, at), out var forbiddenAt)) return Refuse(ReasonCodes.SkillForbidden, forbiddenAt);

        // 3. Deny by default: only a grant for exactly this version authorises it.
        if (!role.TryGetGrant(skill, out var grant)) return Refuse(ReasonCodes.SkillNotGranted, role.Location);
        var gate = grant.Gate;
        if (grant.Risk == RiskTier.High && (gate is null || !gate.GatesEveryInvocation))
        {
            // The loader rejects such a policy; this guard keeps a hand-built or future one from running high risk ungated.
            return Refuse(ReasonCodes.HighRiskRequiresGate, grant.Location, grant);
        }

        // 4. Limits. Counting comes last among the refusals, so a counted invocation is never refused afterwards.
        if (grant.Limits is { } limits)
        {
            if (limits.MaxAmount is { } max)
            {
                if (!AmountReader.TryRead(payload, limits.AmountField!, out var amount))
                {
                    return Refuse(ReasonCodes.LimitAmountUnreadable, limits.Location, grant);
                }
                if (amount > max) return Refuse(ReasonCodes.LimitExceeded, limits.Location, grant, LimitKind.Amount);
            }
            if (ledger is not null)
            {
                var exceeded = ledger.TryAcquire(principal.Id, skill, limits, now);
                if (exceeded != LimitKind.None) return Refuse(ReasonCodes.LimitExceeded, limits.Location, grant, exceeded);
                counted = limits.PerMinute is not null || limits.PerHour is not null || limits.PerDay is not null;
            }
        }

        // 5. The gate: every invocation, or a sampled share of them.
        if (gate is not null)
        {
            if (gate.GatesEveryInvocation)
            {
                return new Decision(DecisionOutcome.ApprovalRequired, ReasonCodes.ApprovalRequired, gate.Location, hash, principalId, skill, grant);
            }
            if (sampleDraw < gate.Sample)
            {
                return new Decision(
                    DecisionOutcome.ApprovalRequired, ReasonCodes.SampledForReview, gate.Location, hash, principalId, skill, grant, sampled: true);
            }
        }

        // 6. Allowed under the grant.
        return new Decision(DecisionOutcome.Allowed, ReasonCodes.Allowed, grant.Location, hash, principalId, skill, grant);

        Decision Refuse(string code, SourceLocation rule, GrantDefinition? g = null, LimitKind limit = LimitKind.None) =>
            new(DecisionOutcome.Refused, code, rule, hash, principalId, skill, g, limit: limit);
    }
}
