using System.Text.Json;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

public class ApprovalGateTests
{
    [Fact]
    public async Task An_allowed_invocation_is_recorded_then_runs()
    {
        await using var f = new ClaimsFixture();
        var result = await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action);

        Assert.Equal(DecisionOutcome.Allowed, result.Outcome);
        Assert.Equal(1, f.Runs);
        var types = f.Store.Events.Select(e => e.EventType).ToArray();
        Assert.Equal([AuditEventTypes.PolicyActivated, AuditEventTypes.DecisionAllowed, AuditEventTypes.ActionExecuted], types);
        var allowed = f.Store.Payloads<DecisionAllowed>().Single();
        Assert.Equal(f.Policy.Hash, allowed.PolicyHash);
        Assert.Equal(ReasonCodes.Allowed, allowed.ReasonCode);
        Assert.Equal(result.Rule.ToString(), allowed.Rule);
        Assert.StartsWith("sha256:", allowed.PayloadDigest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_is_recorded_and_the_action_never_runs()
    {
        await using var f = new ClaimsFixture();
        var result = await f.Gate.InvokeAsync("clerk-1", Deny, Claim(), f.Action);

        Assert.True(result.IsRefused);
        Assert.Equal(ReasonCodes.SkillNotGranted, result.ReasonCode);
        Assert.Equal(f.Policy.Hash, result.PolicyHash);
        Assert.Equal(0, f.Runs);
        var refused = f.Store.Payloads<DecisionRefused>().Single();
        Assert.Equal(ReasonCodes.SkillNotGranted, refused.ReasonCode);
        Assert.Equal(f.Policy.Roles["clerk"].Location.ToString(), refused.Rule);
    }

    [Fact]
    public async Task A_forbidden_skill_is_refused_even_for_a_reviewer()
    {
        await using var f = new ClaimsFixture();
        var result = await f.Gate.InvokeAsync("dr-a", Pay, Claim(), f.Action);
        Assert.Equal(ReasonCodes.SkillForbidden, result.ReasonCode);
        Assert.Equal(0, f.Runs);
    }

    [Fact]
    public async Task Amount_limits_refuse_large_and_unreadable_amounts()
    {
        await using var f = new ClaimsFixture();
        Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("bot", Pay, Claim(500m), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.LimitExceeded, (await f.Gate.InvokeAsync("bot", Pay, Claim(500.01m), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.LimitAmountUnreadable, (await f.Gate.InvokeAsync("bot", Pay, new() { ["claim"] = new System.Text.Json.Nodes.JsonObject { ["amount"] = "lots" } }, f.Action)).ReasonCode);
        Assert.Equal(1, f.Runs);
    }

    [Fact]
    public async Task A_gated_invocation_opens_a_request_bound_to_payload_and_basis()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();

        Assert.Equal(0, f.Runs);
        Assert.Equal(ApprovalStatus.Pending, request.Status);
        Assert.Equal("bot", request.RequesterId);
        Assert.Equal(2, request.RequiredApprovals);
        Assert.Equal(f.Time.GetUtcNow().AddHours(1), request.ExpiresAt);
        Assert.Equal(PayloadDigest.Compute(Claim()), request.PayloadDigest);
        Assert.Equal("PXDX-42", request.Basis!.RuleId);
        var opened = f.Store.Payloads<ApprovalRequested>().Single();
        Assert.Equal("screen-2026.11", opened.Basis!.Value.ModelVersion);
        Assert.Equal("sha256:feed", opened.Basis.Value.DatasetDigest);
        Assert.Equal(ReasonCodes.ApprovalRequired, opened.ReasonCode);
        Assert.False(opened.Sampled);
        Assert.Single(f.Gate.GetOpenRequests());
    }

    [Fact]
    public async Task Two_sign_offs_then_one_execution_with_dwell_on_record()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        f.Time.Advance(TimeSpan.FromMinutes(5));

        var first = await f.PresentAndApproveAsync(request.Id, "dr-a", TimeSpan.FromSeconds(45));
        Assert.Equal(ReasonCodes.SignedOff, first.ReasonCode);
        Assert.Equal(ApprovalStatus.Pending, first.Request!.Status);
        var second = await f.PresentAndApproveAsync(request.Id, "dr-b");
        Assert.Equal(ApprovalStatus.Approved, second.Request!.Status);

        var executed = await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action);
        Assert.Equal(ReasonCodes.Executed, executed.ReasonCode);
        Assert.Equal(ApprovalStatus.Executed, executed.Request!.Status);
        Assert.Equal(1, f.Runs);

        var decided = f.Store.Payloads<ApprovalDecided>().First();
        Assert.Equal("dr-a", decided.ReviewerId);
        Assert.Equal(SignOffVerdict.Approve, decided.Verdict);
        Assert.Equal(45_000, decided.DwellMs);
        Assert.Equal(300_000, decided.QueueMs);
        Assert.Equal(request.PayloadDigest, decided.PayloadDigest);
        Assert.NotNull(decided.PresentedAt);
        var started = f.Store.Payloads<ActionStarted>().Single();
        Assert.Equal(["dr-a", "dr-b"], started.Approvers);
        Assert.Equal(TimeSpan.FromSeconds(45), executed.Request.SignOffs[0].Dwell);
    }

    [Theory]
    [InlineData("bot", ReasonCodes.AgentCannotApprove)]
    [InlineData("dr-owner", ReasonCodes.OwnerCannotApprove)]
    [InlineData("helper-bot", ReasonCodes.AgentCannotApprove)]
    [InlineData("clerk-1", ReasonCodes.ApproverNotEligible)]
    [InlineData("dr-gone", ReasonCodes.PrincipalInactive)]
    [InlineData("nobody", ReasonCodes.PrincipalUnknown)]
    public async Task Ineligible_reviewers_are_refused_and_the_refusal_is_recorded(string reviewer, string code)
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.Gate.PresentAsync(request.Id, reviewer);
        f.Time.Advance(TimeSpan.FromMinutes(1));

        var result = await f.Gate.ApproveAsync(request.Id, reviewer);
        Assert.Equal(code, result.ReasonCode);
        Assert.Empty(result.Request!.SignOffs);
        var refused = f.Store.Payloads<SignOffRefused>().Single();
        Assert.Equal(code, refused.ReasonCode);
        Assert.Equal(reviewer, refused.ReviewerId);
    }

    [Fact]
    public async Task The_requester_cannot_sign_their_own_request()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync("dr-a");
        var result = await f.PresentAndApproveAsync(request.Id, "dr-a");
        Assert.Equal(ReasonCodes.RequesterCannotApprove, result.ReasonCode);
    }

    [Fact]
    public async Task Sign_offs_need_presentation_min_review_and_distinct_reviewers()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        f.Time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(ReasonCodes.NotPresented, (await f.Gate.ApproveAsync(request.Id, "dr-a")).ReasonCode);
        await f.Gate.PresentAsync(request.Id, "dr-a");
        f.Time.Advance(TimeSpan.FromSeconds(1.2));
        var fast = await f.Gate.ApproveAsync(request.Id, "dr-a");
        Assert.Equal(ReasonCodes.ReviewTooFast, fast.ReasonCode);
        var refusal = f.Store.Payloads<SignOffRefused>().Last();
        Assert.Equal(1200, refusal.DwellMs);

        f.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ReasonCodes.SignedOff, (await f.Gate.ApproveAsync(request.Id, "dr-a")).ReasonCode);
        Assert.Equal(ReasonCodes.AlreadySigned, (await f.Gate.ApproveAsync(request.Id, "dr-a")).ReasonCode);
        Assert.Single(f.Gate.GetRequest(request.Id)!.SignOffs);
    }

    [Fact]
    public async Task A_rejection_needs_a_reason_and_closes_the_request()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.Gate.PresentAsync(request.Id, "dr-a");
        f.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(ReasonCodes.ReasonRequired, (await f.Gate.RejectAsync(request.Id, "dr-a", " ")).ReasonCode);
        var rejected = await f.Gate.RejectAsync(request.Id, "dr-a", "the diagnosis is covered");
        Assert.Equal(ApprovalStatus.Rejected, rejected.Request!.Status);
        Assert.Equal(SignOffVerdict.Reject, f.Store.Payloads<ApprovalDecided>().Single().Verdict);

        Assert.Equal(ReasonCodes.RequestClosed, (await f.Gate.ApproveAsync(request.Id, "dr-b")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestClosed, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.RequestClosed, (await f.Gate.PresentAsync(request.Id, "dr-c")).ReasonCode);
        Assert.Equal(0, f.Runs);
        Assert.Empty(f.Gate.GetOpenRequests());
    }

    [Fact]
    public async Task Unknown_requests_are_refused()
    {
        await using var f = new ClaimsFixture();
        Assert.Equal(ReasonCodes.RequestNotFound, (await f.Gate.PresentAsync("nope", "dr-a")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestNotFound, (await f.Gate.ApproveAsync("nope", "dr-a")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestNotFound, (await f.Gate.ExecuteAsync("nope", "bot", Claim(), f.Action)).ReasonCode);
        Assert.Null(f.Gate.GetRequest("nope"));
    }

    [Fact]
    public async Task Execution_checks_approval_requester_payload_and_expiry()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        Assert.Equal(ReasonCodes.NotApproved, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        Assert.Equal(ReasonCodes.NotApproved, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        await f.PresentAndApproveAsync(request.Id, "dr-b");

        Assert.Equal(ReasonCodes.NotRequester, (await f.Gate.ExecuteAsync(request.Id, "dr-a", Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.PayloadMismatch, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(100.5m), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.PayloadMismatch, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(id: "C-2"), f.Action)).ReasonCode);
        f.Time.Advance(TimeSpan.FromHours(1));
        var late = await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action);
        Assert.Equal(ReasonCodes.RequestExpired, late.ReasonCode);
        Assert.Equal(ApprovalStatus.Expired, late.Request!.Status);
        Assert.Equal(0, f.Runs);
        Assert.Equal(6, f.Store.OfType(AuditEventTypes.DecisionRefused).Count());
    }

    [Fact]
    public async Task An_expired_request_cannot_be_signed()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.Gate.PresentAsync(request.Id, "dr-a");
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(ReasonCodes.RequestExpired, (await f.Gate.ApproveAsync(request.Id, "dr-a")).ReasonCode);
        Assert.Equal(ReasonCodes.RequestExpired, (await f.Gate.PresentAsync(request.Id, "dr-b")).ReasonCode);
    }

    [Fact]
    public async Task An_approval_authorises_one_execution()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        Assert.Equal(ReasonCodes.Executed, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        Assert.Equal(1, f.Runs);
    }

    [Fact]
    public async Task Racing_executions_run_the_action_exactly_once()
    {
        for (var round = 0; round < 20; round++)
        {
            await using var f = new ClaimsFixture();
            var request = await f.OpenDenialAsync();
            await f.PresentAndApproveAsync(request.Id, "dr-a");
            await f.PresentAndApproveAsync(request.Id, "dr-b");
            using var start = new ManualResetEventSlim();
            var racers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                return await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), async ct => { await Task.Yield(); await f.Action(ct); });
            })).ToArray();
            start.Set();
            var results = await Task.WhenAll(racers);
            Assert.Equal(1, f.Runs);
            Assert.Single(results, r => r.ReasonCode == ReasonCodes.Executed);
            Assert.All(results.Where(r => r.ReasonCode != ReasonCodes.Executed), r => Assert.Equal(ReasonCodes.AlreadyExecuted, r.ReasonCode));
            Assert.Single(f.Store.OfType(AuditEventTypes.ActionStarted));
        }
    }

    [Fact]
    public async Task Execution_rechecks_the_requester_and_the_approvers_now()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");

        Assert.Empty(await f.Gate.RegisterPrincipalAsync(new PrincipalDefinition("dr-b", PrincipalKind.Human, "medical-reviewer", PrincipalStatus.Suspended)));
        var lost = await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action);
        Assert.Equal(ReasonCodes.NotApproved, lost.ReasonCode);
        Assert.Contains("1 of 2", lost.Message, StringComparison.Ordinal);

        await f.Gate.RegisterPrincipalAsync(new PrincipalDefinition("dr-b", PrincipalKind.Human, "medical-reviewer"));
        await f.Gate.RegisterPrincipalAsync(new PrincipalDefinition("bot", PrincipalKind.Agent, "screener", PrincipalStatus.Suspended, "dr-owner"));
        Assert.Equal(ReasonCodes.PrincipalInactive, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);

        await f.Gate.RegisterPrincipalAsync(new PrincipalDefinition("bot", PrincipalKind.Agent, "clerk", PrincipalStatus.Active, "dr-owner"));
        Assert.Equal(ReasonCodes.SkillNotGranted, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
        Assert.Equal(0, f.Runs);
    }

    [Fact]
    public async Task Runtime_principals_are_validated()
    {
        await using var f = new ClaimsFixture();
        var errors = await f.Gate.RegisterPrincipalAsync(new PrincipalDefinition("ghost", PrincipalKind.Agent, "no-role"));
        Assert.Equal(2, errors.Count);
        Assert.Equal(ReasonCodes.PrincipalUnknown, (await f.Gate.InvokeAsync("ghost", Flag, Claim(), f.Action)).ReasonCode);
    }

    [Fact]
    public async Task Break_glass_needs_a_named_role_and_a_justification_and_is_listed_for_review()
    {
        await using var f = new ClaimsFixture();
        Assert.Equal(ReasonCodes.JustificationRequired, (await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "  ", f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.BreakGlassNotAllowed, (await f.Gate.BreakGlassAsync("bot", Deny, Claim(), "urgent", f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.BreakGlassNotAllowed, (await f.Gate.BreakGlassAsync("clerk-1", Flag, Claim(), "urgent", f.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.PrincipalInactive, (await f.Gate.BreakGlassAsync("dr-gone", Deny, Claim(), "urgent", f.Action)).ReasonCode);
        Assert.Equal(0, f.Runs);

        var result = await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "patient safety: duplicate claim paid twice", f.Action);
        Assert.Equal(ReasonCodes.BreakGlass, result.ReasonCode);
        Assert.Equal(1, f.Runs);
        var record = Assert.Single(f.Gate.GetBreakGlassForReview());
        Assert.Equal("dr-a", record.PrincipalId);
        Assert.Equal("patient safety: duplicate claim paid twice", record.Justification);
        Assert.True(f.Store.Payloads<BreakGlassInvoked>().Single().ReviewRequired);
        Assert.Equal(4, f.Store.OfType(AuditEventTypes.DecisionRefused).Count());
    }

    [Fact]
    public async Task Sampling_draws_from_the_injected_source_and_records_the_flag()
    {
        var draws = new Queue<double>([0.01, 0.5]);
        await using var f = new ClaimsFixture(sample: () => draws.Dequeue());
        var sampled = await f.Gate.InvokeAsync("bot", Note, Claim(), f.Action);
        Assert.Equal(ReasonCodes.SampledForReview, sampled.ReasonCode);
        Assert.True(sampled.Sampled);
        Assert.True(sampled.Request!.Sampled);
        Assert.True(f.Store.Payloads<ApprovalRequested>().Single().Sampled);
        var notSampled = await f.Gate.InvokeAsync("bot", Note, Claim(), f.Action);
        Assert.Equal(ReasonCodes.Allowed, notSampled.ReasonCode);
        Assert.Equal(1, f.Runs);
    }

    [Fact]
    public async Task A_failing_action_is_recorded_and_rethrown_and_closes_the_request()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), _ => throw new InvalidOperationException("claims system down")));
        var failed = f.Store.Payloads<ActionFailed>().Single();
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.Error);
        Assert.Equal(request.Id, failed.RequestId);
        Assert.Equal(ApprovalStatus.Failed, f.Gate.GetRequest(request.Id)!.Status);
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await f.Gate.ExecuteAsync(request.Id, "bot", Claim(), f.Action)).ReasonCode);
    }
}
