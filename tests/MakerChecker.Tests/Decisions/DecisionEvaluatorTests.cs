using System.Text.Json.Nodes;
using MakerChecker.Decisions;
using MakerChecker.Limits;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;

namespace MakerChecker.Tests.Decisions;

public class DecisionEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private static (CompiledPolicy Policy, TestPolicy Spec) Claims()
    {
        var spec = new TestPolicy();
        spec.Role("claims-screener").Grant("coverage.flag@1").Forbid("coverage.deny")
            .Grant("coverage.pay@1", limits: at => TestPolicy.Limits(at, perMinute: 2, maxAmount: 1000m, amountField: "claim.amount"))
            .Grant("coverage.note@1", gate: new TestPolicy.GateSpec { Sample = 0.05 });
        spec.Role("medical-reviewer").Grant("coverage.deny@1", RiskTier.High, new TestPolicy.GateSpec { MinReview = TimeSpan.FromSeconds(30) });
        spec.Role("reckless").Grant("coverage.deny@1", RiskTier.High);
        spec.Agent("screener-bot", "claims-screener", owner: "dr-who")
            .Human("dr-who", "medical-reviewer")
            .Human("dr-gone", "medical-reviewer", PrincipalStatus.Retired)
            .Human("cowboy", "reckless");
        return (spec.Build(), spec);
    }

    private static Decision Decide(CompiledPolicy policy, string principal, string skill, JsonObject? payload = null, LimitLedger? ledger = null, double draw = 0.99)
    {
        policy.TryGetPrincipal(principal, out var p);
        return DecisionEvaluator.Evaluate(policy, principal, p, skill, payload, ledger, Now, draw, out _);
    }

    [Fact]
    public void A_plain_grant_is_allowed_and_cites_the_grant()
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "screener-bot", "coverage.flag@1");
        Assert.Equal(DecisionOutcome.Allowed, d.Outcome);
        Assert.Equal(ReasonCodes.Allowed, d.ReasonCode);
        Assert.Equal(policy.Roles["claims-screener"].Grants["coverage.flag@1"].Location, d.Rule);
        Assert.Equal(policy.Hash, d.PolicyHash);
        Assert.Contains("coverage.flag@1", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forbidden_skill_is_refused_with_the_prohibition_as_rule()
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "screener-bot", "coverage.deny@1");
        Assert.Equal(DecisionOutcome.Refused, d.Outcome);
        Assert.Equal(ReasonCodes.SkillForbidden, d.ReasonCode);
        Assert.Equal(policy.Roles["claims-screener"].Forbidden["coverage.deny"], d.Rule);
        Assert.StartsWith("policy.yaml:", d.Rule.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("coverage.flag@2")]
    [InlineData("coverage.flag@1.0")]
    [InlineData("coverage.approve@1")]
    public void Another_version_or_skill_is_not_granted(string skill)
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "screener-bot", skill);
        Assert.Equal(ReasonCodes.SkillNotGranted, d.ReasonCode);
        Assert.Equal(policy.Roles["claims-screener"].Location, d.Rule);
    }

    [Theory]
    [InlineData("coverage.flag")]
    [InlineData("@1")]
    [InlineData("Coverage.flag@1")]
    [InlineData("coverage.flag@v1")]
    public void A_malformed_skill_is_refused(string skill) =>
        Assert.Equal(ReasonCodes.SkillMalformed, Decide(Claims().Policy, "screener-bot", skill).ReasonCode);

    [Fact]
    public void Unknown_and_inactive_principals_are_refused()
    {
        var (policy, _) = Claims();
        Assert.Equal(ReasonCodes.PrincipalUnknown, Decide(policy, "nobody", "coverage.flag@1").ReasonCode);
        var retired = Decide(policy, "dr-gone", "coverage.deny@1");
        Assert.Equal(ReasonCodes.PrincipalInactive, retired.ReasonCode);
        Assert.Equal(policy.Principals["dr-gone"].Location, retired.Rule);
    }

    [Fact]
    public void A_principal_whose_role_is_not_in_the_policy_is_refused()
    {
        var (policy, _) = Claims();
        var stray = new PrincipalDefinition("stray", PrincipalKind.Service, "no-such-role");
        var d = DecisionEvaluator.Evaluate(policy, "stray", stray, "coverage.flag@1");
        Assert.Equal(ReasonCodes.RoleUnknown, d.ReasonCode);
    }

    [Fact]
    public void A_gated_grant_requires_approval()
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "dr-who", "coverage.deny@1");
        Assert.Equal(DecisionOutcome.ApprovalRequired, d.Outcome);
        Assert.Equal(ReasonCodes.ApprovalRequired, d.ReasonCode);
        Assert.Equal(policy.Roles["medical-reviewer"].Grants["coverage.deny@1"].Gate!.Location, d.Rule);
        Assert.False(d.Sampled);
    }

    [Fact]
    public void High_risk_without_a_gate_is_refused_at_run_time()
    {
        var (policy, _) = Claims();
        Assert.Equal(ReasonCodes.HighRiskRequiresGate, Decide(policy, "cowboy", "coverage.deny@1").ReasonCode);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.0499, true)]
    [InlineData(0.05, false)]
    [InlineData(0.9, false)]
    public void Sampling_routes_draws_below_the_share_to_review(double draw, bool sampled)
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "screener-bot", "coverage.note@1", draw: draw);
        Assert.Equal(sampled ? DecisionOutcome.ApprovalRequired : DecisionOutcome.Allowed, d.Outcome);
        Assert.Equal(sampled ? ReasonCodes.SampledForReview : ReasonCodes.Allowed, d.ReasonCode);
        Assert.Equal(sampled, d.Sampled);
    }

    [Theory]
    [InlineData("""{"claim":{"amount":1000}}""", ReasonCodes.Allowed)]
    [InlineData("""{"claim":{"amount":1000.01}}""", ReasonCodes.LimitExceeded)]
    [InlineData("""{"claim":{"amount":"12"}}""", ReasonCodes.LimitAmountUnreadable)]
    [InlineData("""{"claim":{}}""", ReasonCodes.LimitAmountUnreadable)]
    [InlineData("""{"claim":7}""", ReasonCodes.LimitAmountUnreadable)]
    [InlineData("""{"claim":{"amount":1e400}}""", ReasonCodes.LimitAmountUnreadable)]
    public void Amount_limits_read_the_payload(string payload, string expected)
    {
        var (policy, _) = Claims();
        var d = Decide(policy, "screener-bot", "coverage.pay@1", JsonNode.Parse(payload)!.AsObject(), new LimitLedger());
        Assert.Equal(expected, d.ReasonCode);
    }

    [Fact]
    public void Rate_limits_count_per_principal_in_a_sliding_window()
    {
        var (policy, _) = Claims();
        var ledger = new LimitLedger();
        var payload = JsonNode.Parse("""{"claim":{"amount":5}}""")!.AsObject();
        Assert.Equal(ReasonCodes.Allowed, Decide(policy, "screener-bot", "coverage.pay@1", payload, ledger).ReasonCode);
        Assert.Equal(ReasonCodes.Allowed, Decide(policy, "screener-bot", "coverage.pay@1", payload, ledger).ReasonCode);
        var third = Decide(policy, "screener-bot", "coverage.pay@1", payload, ledger);
        Assert.Equal(ReasonCodes.LimitExceeded, third.ReasonCode);
        Assert.Contains("per-minute", third.Message, StringComparison.Ordinal);
        var later = DecisionEvaluator.Evaluate(policy, "screener-bot", policy.Principals["screener-bot"], "coverage.pay@1", payload, ledger, Now.AddSeconds(61), 0.5, out var counted);
        Assert.Equal(ReasonCodes.Allowed, later.ReasonCode);
        Assert.True(counted);
    }

    [Fact]
    public void Every_refusal_message_names_the_problem()
    {
        var (policy, _) = Claims();
        foreach (var (who, skill) in new[] { ("nobody", "x@1"), ("dr-gone", "coverage.deny@1"), ("screener-bot", "coverage.deny@1"), ("screener-bot", "bad"), ("cowboy", "coverage.deny@1") })
        {
            var d = Decide(policy, who, skill);
            Assert.Equal(DecisionOutcome.Refused, d.Outcome);
            Assert.False(string.IsNullOrWhiteSpace(d.Message));
            Assert.DoesNotContain("Refused:", d.Message, StringComparison.Ordinal);
        }
    }
}
