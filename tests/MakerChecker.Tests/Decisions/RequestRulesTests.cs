using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using MakerChecker.Policy.Validation;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Decisions;

/// <summary>
/// The request rules as pure functions (the same inputs give the same decision and change nothing), and what the
/// gate's outcomes say: what happened, with a rejection never reported as allowed.
/// </summary>
public class RequestRulesTests
{
    private static readonly DateTimeOffset Opened = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, PrincipalDefinition> NoneRegistered = new(StringComparer.Ordinal);

    [Fact]
    public async Task Each_step_reports_what_happened_and_only_a_refusal_is_refused()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();

        var presented = await f.Gate.PresentAsync(request.Id, "dr-a");
        Assert.Equal((DecisionOutcome.Presented, ReasonCodes.Presented), (presented.Outcome, presented.ReasonCode));
        f.Time.Advance(TimeSpan.FromSeconds(31));
        var approved = await f.Gate.ApproveAsync(request.Id, "dr-a", "reviewed");
        Assert.Equal((DecisionOutcome.SignedOff, ReasonCodes.SignedOff), (approved.Outcome, approved.ReasonCode));
        Assert.Equal(ApprovalStatus.Pending, approved.Request!.Status);
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        var executed = await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action);
        Assert.Equal((DecisionOutcome.Executed, ReasonCodes.Executed), (executed.Outcome, executed.ReasonCode));
        Assert.Equal(1, f.Runs);

        var other = await f.OpenDenialAsync(payload: Claim(id: "C-2"));
        await f.Gate.PresentAsync(other.Id, "dr-c");
        f.Time.Advance(TimeSpan.FromSeconds(31));
        var rejected = await f.Gate.RejectAsync(other.Id, "dr-c", "the diagnosis is covered");
        Assert.Equal((DecisionOutcome.Rejected, ReasonCodes.SignedOff), (rejected.Outcome, rejected.ReasonCode));
        Assert.False(rejected.IsRefused);
        Assert.NotEqual(DecisionOutcome.Allowed, rejected.Outcome);
        Assert.Contains("rejected", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_no_rule_decided_says_so_instead_of_printing_a_line_zero()
    {
        await using var f = new ClaimsFixture();
        var unknown = await f.Gate.ApproveAsync("nope", "dr-a");
        Assert.False(unknown.HasRule);
        Assert.Equal("(no rule)", unknown.Rule.ToString());
        Assert.DoesNotContain(":0", unknown.ToString(), StringComparison.Ordinal);

        var ruled = await f.Gate.InvokeAsync("bot", Deny, Claim(), f.Action);
        Assert.True(ruled.HasRule);
        Assert.StartsWith("policy.yaml:", ruled.Rule.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sign_off_rule_is_a_function_of_its_inputs_and_changes_nothing()
    {
        var policy = BuildPolicy();
        var request = Request(policy);
        var principals = new PrincipalLookup(policy, NoneRegistered);
        var reviewer = principals.Find("dr-a");
        var presented = Opened.AddSeconds(10);

        var tooSoon = RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: true, null, presented, Opened.AddSeconds(20));
        Assert.Equal((DecisionOutcome.Refused, ReasonCodes.ReviewTooFast), (tooSoon.Outcome, tooSoon.ReasonCode));
        Assert.Equal("10 s", tooSoon.Detail);
        Assert.Equal(tooSoon, RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: true, null, presented, Opened.AddSeconds(20)));

        var inTime = RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: true, null, presented, Opened.AddSeconds(41));
        Assert.Equal((DecisionOutcome.SignedOff, ReasonCodes.SignedOff), (inTime.Outcome, inTime.ReasonCode));
        Assert.Equal(policy.Hash, inTime.PolicyHash);
        Assert.Equal(ApprovalStatus.Pending, request.Status);
        Assert.Empty(request.SignOffs);

        var notPresented = RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: true, null, presentedAt: null, Opened.AddMinutes(5));
        Assert.Equal(ReasonCodes.NotPresented, notPresented.ReasonCode);
        var rejectWithoutReason = RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: false, " ", presented, Opened.AddMinutes(5));
        Assert.Equal(ReasonCodes.ReasonRequired, rejectWithoutReason.ReasonCode);
    }

    [Fact]
    public void Execution_judges_the_approved_payload_against_the_amount_ceiling_in_force()
    {
        var spec = new TestPolicy();
        spec.Role("payer").Grant(Pay, gate: new TestPolicy.GateSpec { ApproverRoles = ["reviewer"] },
            limits: at => TestPolicy.Limits(at, perMinute: 1, maxAmount: 500m, amountField: "claim.amount"));
        spec.Role("reviewer").Grant(Note);
        spec.Agent("bot", "payer", owner: "ops").Human("ops", "payer").Human("dr-a", "reviewer");
        var policy = spec.Build();
        var principals = new PrincipalLookup(policy, NoneRegistered);
        var payload = Claim(400m);
        var digest = PayloadDigest.Compute(payload);
        var request = new RequestState("r-1", Pay, "bot", digest, null, policy.Hash, "", Opened, Opened.AddHours(1), 1, sampled: false);
        request.AddSignOff(new SignOff("dr-a", Approved: true, "ok", Opened, Opened.AddMinutes(1)));

        var run = RequestRules.Execute(policy, principals, request, "bot", principals.Find("bot"), payload, digest, Opened.AddMinutes(2), out var approvers);
        Assert.Equal((DecisionOutcome.Executed, ReasonCodes.Executed), (run.Outcome, run.ReasonCode));
        Assert.Equal(["dr-a"], approvers!);

        var lowered = new TestPolicy();
        lowered.Role("payer").Grant(Pay, gate: new TestPolicy.GateSpec { ApproverRoles = ["reviewer"] },
            limits: at => TestPolicy.Limits(at, maxAmount: 100m, amountField: "claim.amount"));
        lowered.Role("reviewer").Grant(Note);
        lowered.Agent("bot", "payer", owner: "ops").Human("ops", "payer").Human("dr-a", "reviewer");
        var now = lowered.Build();
        var inForce = new PrincipalLookup(now, NoneRegistered);
        var refused = RequestRules.Execute(now, inForce, request, "bot", inForce.Find("bot"), payload, digest, Opened.AddMinutes(2), out approvers);
        Assert.Equal((DecisionOutcome.Refused, ReasonCodes.LimitExceeded), (refused.Outcome, refused.ReasonCode));
        Assert.Null(approvers);
        Assert.Contains("max_amount", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Who_may_sign_is_one_rule_for_the_compiler_and_the_sign_off()
    {
        var policy = BuildPolicy();
        var gate = policy.Roles["screener"].Grants[Deny].Gate!;
        foreach (var p in policy.Principals.Values)
        {
            var ineligible = SignerEligibility.Ineligibility(gate, p, requester: null);
            Assert.Equal(ineligible is null, GateEligibility.CanSign(gate, p));
        }
        var bot = policy.Principals["bot"];
        Assert.Equal(ReasonCodes.OwnerCannotApprove, SignerEligibility.Ineligibility(gate, policy.Principals["dr-owner"], bot));
        Assert.Null(SignerEligibility.Ineligibility(gate, policy.Principals["dr-a"], bot));
    }

    [Fact]
    public void Invocation_presentation_and_sign_off_decisions_allocate_nothing()
    {
        var policy = BuildPolicy();
        var request = Request(policy);
        var principals = new PrincipalLookup(policy, NoneRegistered);
        var (bot, reviewer) = (principals.Find("bot"), principals.Find("dr-a"));
        var presented = Opened.AddSeconds(10);
        var outcomes = 0;
        void DecideAll()
        {
            outcomes += (int)DecisionEvaluator.Evaluate(policy, "bot", bot, Flag).Outcome;
            outcomes += (int)DecisionEvaluator.Evaluate(policy, "bot", bot, Deny).Outcome;
            outcomes += (int)DecisionEvaluator.Evaluate(policy, "bot", bot, "coverage.other@1").Outcome;
            outcomes += (int)RequestRules.Present(policy, request, "dr-a", reviewer, Opened.AddSeconds(5)).Outcome;
            outcomes += (int)RequestRules.SignOff(policy, principals, request, "dr-a", reviewer, approve: true, "ok", presented, Opened.AddMinutes(1)).Outcome;
        }

        DecideAll(); // warm up (JIT, static initialisation)
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++) DecideAll();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(outcomes > 0);
    }

    private static RequestState Request(CompiledPolicy policy) =>
        new("r-1", Deny, "bot", PayloadDigest.Compute(Claim()), null, policy.Hash, "", Opened, Opened.AddHours(1), 2, sampled: false);
}
