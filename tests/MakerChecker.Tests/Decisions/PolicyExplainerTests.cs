using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;

namespace MakerChecker.Tests.Decisions;

public class PolicyExplainerTests
{
    private static readonly string PolicyPath = Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml");

    [Fact]
    public async Task Explain_and_the_gate_agree_for_every_principal_and_skill_of_the_sample_policy()
    {
        var policy = PolicyLoader.LoadFile(PolicyPath).GetPolicyOrThrow();
        await using var store = new InMemoryAuditStore();
        // A draw above every sampling share, as the explainer assumes: a sampled gate does not draw.
        await using var gate = new ApprovalGate(policy, store, sampleSource: () => 0.999);
        var payload = new JsonObject { ["claim"] = new JsonObject { ["amount"] = 1200 } };
        var checkedPairs = 0;
        foreach (var principal in policy.Principals.Keys.Append("nobody"))
        {
            foreach (var skill in new[] { "coverage.flag@1", "coverage.deny@1", "coverage.deny@2", "coverage.approve@1", "not a skill" })
            {
                var explained = PolicyExplainer.Explain(policy, principal, skill, payload);
                var decided = await gate.InvokeAsync(principal, skill, payload, _ => ValueTask.CompletedTask);
                Assert.Equal((decided.Outcome, decided.ReasonCode, decided.Rule, decided.PolicyHash), (explained.Outcome, explained.ReasonCode, explained.Rule, explained.PolicyHash));
                checkedPairs++;
            }
        }
        Assert.Equal((policy.Principals.Count + 1) * 5, checkedPairs);
    }

    [Fact]
    public void Explain_names_the_rule_and_the_gate()
    {
        var policy = PolicyLoader.LoadFile(PolicyPath).GetPolicyOrThrow();

        var forbidden = PolicyExplainer.Explain(policy, "screener-bot", "coverage.deny@1");
        Assert.Equal((DecisionOutcome.Refused, ReasonCodes.SkillForbidden), (forbidden.Outcome, forbidden.ReasonCode));
        Assert.EndsWith("claims-review.yaml", forbidden.Rule.File, StringComparison.Ordinal);

        var gated = PolicyExplainer.Explain(policy, "drafter-bot", "coverage.deny@1");
        Assert.Equal((DecisionOutcome.ApprovalRequired, ReasonCodes.ApprovalRequired), (gated.Outcome, gated.ReasonCode));
        Assert.Equal(TimeSpan.FromSeconds(30), gated.Grant!.Gate!.MinReview);

        // Without a payload an amount limit cannot be read, and the gate would refuse the same way.
        Assert.Equal(ReasonCodes.LimitAmountUnreadable, PolicyExplainer.Explain(policy, "payer-bot", "coverage.approve@1").ReasonCode);
        Assert.Equal(ReasonCodes.PrincipalUnknown, PolicyExplainer.Explain(policy, "nobody", "coverage.flag@1").ReasonCode);
    }
}
