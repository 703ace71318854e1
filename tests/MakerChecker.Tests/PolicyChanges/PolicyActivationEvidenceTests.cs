using MakerChecker.Review;
using static MakerChecker.Tests.PolicyChanges.GovernedPolicies;

namespace MakerChecker.Tests.PolicyChanges;

/// <summary>The review evidence lists each activation with who, how, and a semantic diff in words, weakening changes flagged.</summary>
public class PolicyActivationEvidenceTests
{
    [Fact]
    public async Task Each_activation_is_read_back_with_who_how_and_what_changed_in_words()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock);
        await using (gate)
        {
            var id = (await gate.ProposePolicyAsync("ops.lead", Loosened(), "clear the backlog")).Request!.Id;
            await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.x", "dr.y");
            await gate.ActivateApprovedPolicyAsync(id, "ops.lead", Loosened());
            clock.Advance(TimeSpan.FromHours(1));
            await gate.BreakGlassPolicyAsync("oncall.1", OneApprover(), "director on leave");
            await gate.BreakGlassPolicyAsync("oncall.1", Ungoverned(), "outage");
            await gate.ActivatePolicyAsync(Current());
        }

        var evidence = await ReviewEvidenceReader.ReadAsync(store.ReadAsync());
        var report = RubberStampDetector.Analyze(evidence);
        var a = report.PolicyActivations;

        Assert.Equal(5, a.Count);
        Assert.Equal(("direct", null, true), (a[0].How, a[0].ActivatedBy, a[0].RulesRecorded));
        Assert.Empty(a[0].Changes);

        Assert.Equal(("approved change", "ops.lead", "2"), (a[1].How, a[1].ActivatedBy, a[1].Version));
        Assert.Equal(["dr.x", "dr.y"], a[1].Approvers);
        Assert.Equal([new PolicyChange("min_review removed from the coverage.deny@1 gate of drafter", true)], a[1].Changes);
        Assert.True(a[1].Weakens);

        Assert.Equal(("break-glass", "oncall.1", "director on leave"), (a[2].How, a[2].ActivatedBy, a[2].Justification));
        Assert.Contains(new PolicyChange("approvers 2 → 1 on policy changes", true), a[2].Changes);
        Assert.Contains(new PolicyChange("min_review 30s set on the coverage.deny@1 gate of drafter", false), a[2].Changes);

        Assert.Equal([new PolicyChange("policy.changes removed: the policy can now be replaced without approval", true)], a[3].Changes);
        Assert.Equal([new PolicyChange("policy.changes added: replacing the policy now needs approval", false)],
            a[4].Changes.Where(c => c.Text.StartsWith("policy.changes", StringComparison.Ordinal)));
        Assert.False(a[4].Weakens);
        // Break-glass activations are break-glass uses to review.
        Assert.Equal(2, report.BreakGlassAwaitingReview.Count(b => b.Skill.StartsWith("policy ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_diff_names_each_weakening_of_a_gate_a_grant_a_prohibition_a_limit_and_separation()
    {
        var before = Load(Yaml()).CanonicalForm;
        var afterYaml = Yaml().Replace("approvers: 1\n          approver_roles: [reviewer]", "approvers: 1\n          approver_roles: [reviewer, ops]",
            StringComparison.Ordinal).Replace("    grants:\n      - skill: coverage.note@1", "    grants:\n      - skill: coverage.note@1\n      - skill: coverage.flag@1",
            StringComparison.Ordinal);
        var after = Load(afterYaml).CanonicalForm;

        var changes = PolicyDiff.Between(before, after);

        Assert.Contains(new PolicyChange("ops added to approver_roles on the coverage.deny@1 gate of drafter", true), changes);
        Assert.Contains(new PolicyChange("coverage.flag@1 granted to reviewer", true), changes);
        Assert.Empty(PolicyDiff.Between(before, before));
    }
}
