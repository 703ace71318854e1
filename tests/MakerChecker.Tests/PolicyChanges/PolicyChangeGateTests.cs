using System.Security.Cryptography;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using static MakerChecker.Tests.PolicyChanges.GovernedPolicies;

namespace MakerChecker.Tests.PolicyChanges;

/// <summary>Maker-checker on the policy itself, through the public gate API.</summary>
public class PolicyChangeGateTests
{
    [Fact]
    public async Task A_governed_policy_cannot_be_replaced_directly_and_the_refusal_is_recorded()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock);
        await using var _ = gate;

        var result = await gate.ActivatePolicyAsync(Loosened());

        Assert.Equal((DecisionOutcome.Refused, ReasonCodes.PolicyChangeRequiresApproval), (result.Outcome, result.ReasonCode));
        Assert.Equal(Current().Hash, gate.Policy.Hash);
        Assert.Contains("governed.yaml:", result.Rule.ToString(), StringComparison.Ordinal);
        var refusal = AuditEventReader.Read<DecisionRefused>((await store.ReadAsync().ToListAsync()).Last());
        Assert.Equal((ReasonCodes.PolicyChangeRequiresApproval, PolicyChangeControl.Skill, "policy_change"), (refusal.ReasonCode, refusal.Skill, refusal.Stage));
        Assert.Single(await store.ReadAsync().Where(e => e.EventType == AuditEventTypes.PolicyActivated).ToListAsync());
    }

    [Fact]
    public async Task An_approved_change_is_activated_by_its_proposer_and_the_log_records_the_rules_and_who()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock);
        await using var _ = gate;
        var next = Loosened();

        var proposed = await gate.ProposePolicyAsync("ops.lead", next, "clear the backlog");
        Assert.Equal(ReasonCodes.ApprovalRequired, proposed.ReasonCode);
        var id = proposed.Request!.Id;
        Assert.Equal((PolicyChangeControl.Skill, 2, "sha256:" + next.Hash), (proposed.Request.Skill, proposed.Request.RequiredApprovals,
            proposed.Request.PayloadDigest));

        Assert.Equal(ReasonCodes.NotApproved, (await gate.ActivateApprovedPolicyAsync(id, "ops.lead", next)).ReasonCode);
        await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.x", "dr.y");
        Assert.Equal(ReasonCodes.NotRequester, (await gate.ActivateApprovedPolicyAsync(id, "ops.two", next)).ReasonCode);
        Assert.Equal(ReasonCodes.PayloadMismatch, (await gate.ActivateApprovedPolicyAsync(id, "ops.lead", OneApprover())).ReasonCode);

        var activated = await gate.ActivateApprovedPolicyAsync(id, "ops.lead", next);

        Assert.Equal((DecisionOutcome.Executed, ReasonCodes.PolicyActivated), (activated.Outcome, activated.ReasonCode));
        Assert.Equal(next.Hash, gate.Policy.Hash);
        Assert.Equal(ApprovalStatus.Executed, gate.GetRequest(id)!.Status);
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await gate.ActivateApprovedPolicyAsync(id, "ops.lead", next)).ReasonCode);

        var e = (await store.ReadAsync().Where(x => x.EventType == AuditEventTypes.PolicyActivated).ToListAsync()).Last();
        var recorded = AuditEventReader.Read<PolicyActivated>(e);
        Assert.Equal(("ops.lead", id, null), (recorded.ActivatedBy, recorded.RequestId, recorded.Source));
        Assert.Equal(["dr.x", "dr.y"], recorded.Approvers!);
        Assert.Equal(("human", "ops.lead"), (e.Actor.Kind, e.Actor.Id));
        // An inspector checks the rules in force from the log alone: the recorded canonical policy hashes to policyHash.
        var canonical = JsonCanonicalizer.Canonicalize(System.Text.Encoding.UTF8.GetBytes(recorded.Policy!.Value.GetRawText()));
        Assert.Equal(recorded.PolicyHash, Convert.ToHexStringLower(SHA256.HashData(canonical)));
        Assert.DoesNotContain("governed.yaml", e.Payload.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ops.lead", ReasonCodes.ApproverNotEligible)]       // the proposer, and not an approver role anyway
    [InlineData("director-bot", ReasonCodes.AgentCannotApprove)]    // only humans approve a policy
    [InlineData("dr.a", ReasonCodes.ApproverNotEligible)]           // not an approver role of policy.changes
    [InlineData("ops.two", ReasonCodes.ApproverNotEligible)]
    public async Task Only_distinct_eligible_humans_other_than_the_proposer_approve_a_change(string reviewer, string code)
    {
        var clock = Clock();
        var (_, gate) = await StartAsync(clock);
        await using var _ = gate;
        var id = (await gate.ProposePolicyAsync("ops.lead", Loosened(), "clear the backlog")).Request!.Id;

        Assert.Equal(code, (await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), reviewer)).ReasonCode);
        Assert.Equal(ReasonCodes.SignedOff, (await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.x")).ReasonCode);
        Assert.Equal(ReasonCodes.AlreadySigned, (await gate.ApproveAsync(id, "dr.x", "again")).ReasonCode);
        Assert.Equal(ReasonCodes.NotApproved, (await gate.ActivateApprovedPolicyAsync(id, "ops.lead", Loosened())).ReasonCode);
    }

    [Fact]
    public async Task A_proposer_who_holds_an_approver_role_still_cannot_approve_their_own_change()
    {
        var clock = Clock();
        var (_, gate) = await StartAsync(clock);
        await using var _ = gate;
        var id = (await gate.ProposePolicyAsync("dr.x", Loosened(), "clear the backlog")).Request!.Id;

        Assert.Equal(ReasonCodes.RequesterCannotApprove, (await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.x")).ReasonCode);
        // dr.z owns director-bot, which cannot sign anyway; two other directors are needed.
        await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.y");
        Assert.Equal(ReasonCodes.NotApproved, (await gate.ActivateApprovedPolicyAsync(id, "dr.x", Loosened())).ReasonCode);
        await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.z");
        Assert.Equal(ReasonCodes.PolicyActivated, (await gate.ActivateApprovedPolicyAsync(id, "dr.x", Loosened())).ReasonCode);
    }

    [Fact]
    public async Task A_change_signed_too_fast_or_after_expiry_does_not_count()
    {
        var clock = Clock();
        var (_, gate) = await StartAsync(clock);
        await using var _ = gate;
        var id = (await gate.ProposePolicyAsync("ops.lead", Loosened(), "clear the backlog")).Request!.Id;

        Assert.Equal(ReasonCodes.ReviewTooFast, (await ApproveAsync(gate, clock, id, TimeSpan.FromSeconds(20), "dr.x")).ReasonCode);
        await ApproveAsync(gate, clock, id, TimeSpan.FromMinutes(11), "dr.y", "dr.z");
        clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(ReasonCodes.RequestExpired, (await gate.ActivateApprovedPolicyAsync(id, "ops.lead", Loosened())).ReasonCode);
        Assert.Equal(Current().Hash, gate.Policy.Hash);
    }

    [Theory]
    [InlineData("dr.a", ReasonCodes.PolicyChangeNotAllowed)]
    [InlineData("nobody", ReasonCodes.PrincipalUnknown)]
    public async Task Only_a_proposer_role_proposes_with_a_reason_and_a_different_policy(string proposer, string code)
    {
        var clock = Clock();
        var (_, gate) = await StartAsync(clock);
        await using var _ = gate;

        Assert.Equal(code, (await gate.ProposePolicyAsync(proposer, Loosened(), "why not")).ReasonCode);
        Assert.Equal(ReasonCodes.ReasonRequired, (await gate.ProposePolicyAsync("ops.lead", Loosened(), " ")).ReasonCode);
        Assert.Equal(ReasonCodes.PolicyUnchanged, (await gate.ProposePolicyAsync("ops.lead", Current(), "same")).ReasonCode);
        Assert.Empty(gate.GetOpenRequests());
    }

    [Fact]
    public async Task Break_glass_activates_alone_with_a_justification_and_is_listed_for_review()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock);
        await using var _ = gate;
        var next = Loosened();

        Assert.Equal(ReasonCodes.BreakGlassNotAllowed, (await gate.BreakGlassPolicyAsync("ops.lead", next, "backlog")).ReasonCode);
        Assert.Equal(ReasonCodes.JustificationRequired, (await gate.BreakGlassPolicyAsync("oncall.1", next, "")).ReasonCode);
        var glass = await gate.BreakGlassPolicyAsync("oncall.1", next, "claims system outage");

        Assert.Equal((DecisionOutcome.Allowed, ReasonCodes.BreakGlass), (glass.Outcome, glass.ReasonCode));
        Assert.Equal(next.Hash, gate.Policy.Hash);
        var listed = Assert.Single(gate.GetBreakGlassForReview());
        Assert.Equal(("oncall.1", PolicyChangeControl.Skill, "claims system outage"), (listed.PrincipalId, listed.Skill, listed.Justification));
        var recorded = AuditEventReader.Read<PolicyActivated>((await store.ReadAsync().ToListAsync()).Last());
        Assert.Equal(("oncall.1", "claims system outage", null), (recorded.ActivatedBy, recorded.Justification, recorded.RequestId));
    }

    [Fact]
    public async Task A_gate_started_with_another_policy_on_a_governed_log_refuses_to_start()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock);
        await gate.DisposeAsync();

        var refused = await Assert.ThrowsAsync<PolicyChangeNotApprovedException>(async () => await ApprovalGate.CreateAsync(Loosened(), store, clock));
        Assert.Equal((ReasonCodes.PolicyChangeRequiresApproval, Loosened().Hash, Current().Hash), (refused.ReasonCode, refused.PolicyHash,
            refused.ActivePolicyHash));
        Assert.Single(await store.ReadAsync().Where(e => e.EventType == AuditEventTypes.PolicyActivated).ToListAsync());

        // With the policy in force it starts, and after an approved change the new policy is the one it starts with.
        await using var again = await ApprovalGate.CreateAsync(Current(), store, clock);
        var id = (await again.ProposePolicyAsync("ops.lead", OneApprover(), "one director is enough")).Request!.Id;
        await ApproveAsync(again, clock, id, TimeSpan.FromMinutes(10), "dr.x", "dr.y");
        Assert.Equal(ReasonCodes.PolicyActivated, (await again.ActivateApprovedPolicyAsync(id, "ops.lead", OneApprover())).ReasonCode);
        await using var restarted = await ApprovalGate.CreateAsync(OneApprover(), store, clock);
        Assert.Equal(OneApprover().Hash, restarted.Policy.Hash);
        await Assert.ThrowsAsync<PolicyChangeNotApprovedException>(async () => await ApprovalGate.CreateAsync(Current(), store, clock));
    }

    [Fact]
    public async Task An_ungoverned_policy_is_replaced_directly_as_before_and_a_proposal_is_refused()
    {
        var clock = Clock();
        var (store, gate) = await StartAsync(clock, Ungoverned());
        await using var _ = gate;

        Assert.Equal(ReasonCodes.PolicyChangeNotAllowed, (await gate.ProposePolicyAsync("ops.lead", Current(), "govern it")).ReasonCode);
        Assert.Equal(ReasonCodes.PolicyActivated, (await gate.ActivatePolicyAsync(Current())).ReasonCode);
        Assert.Equal(Current().Hash, gate.Policy.Hash);
        var recorded = AuditEventReader.Read<PolicyActivated>((await store.ReadAsync().ToListAsync()).Last());
        Assert.Null(recorded.ActivatedBy);
        // Now governed: the next replacement needs approval.
        Assert.Equal(ReasonCodes.PolicyChangeRequiresApproval, (await gate.ActivatePolicyAsync(Ungoverned())).ReasonCode);
    }

    [Fact]
    public async Task A_change_request_is_not_a_skill_request_and_a_skill_request_is_not_a_change()
    {
        var clock = Clock();
        var (_, gate) = await StartAsync(clock);
        await using var _ = gate;
        var skillRequest = (await gate.InvokeAsync("bot", Deny, new() { ["claim"] = "C-1" }, _ => ValueTask.CompletedTask)).Request!.Id;
        var change = (await gate.ProposePolicyAsync("ops.lead", Loosened(), "backlog")).Request!.Id;
        await ApproveAsync(gate, clock, change, TimeSpan.FromMinutes(11), "dr.x", "dr.y");

        Assert.Equal(ReasonCodes.NotAPolicyChange, (await gate.ActivateApprovedPolicyAsync(skillRequest, "bot", Loosened())).ReasonCode);
        var executed = await gate.ExecuteAsync(change, "ops.lead", new() { ["policy"] = Loosened().Hash }, _ => ValueTask.CompletedTask);
        Assert.True(executed.IsRefused);
        Assert.Equal(Current().Hash, gate.Policy.Hash);
    }
}
