using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>The reads a reviewer interface needs: the queue of requests a reviewer may sign, why one may not, and the gate in force.</summary>
public class ReviewerReadTests
{
    [Fact]
    public async Task A_reviewers_queue_holds_only_pending_unexpired_requests_they_may_sign_oldest_first()
    {
        await using var f = new ClaimsFixture();
        var first = await f.OpenDenialAsync();
        f.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await f.OpenDenialAsync(payload: Claim(id: "C-2"));
        f.Time.Advance(TimeSpan.FromMinutes(1));
        var own = await f.OpenDenialAsync("dr-a", Claim(id: "C-3"));

        Assert.Equal([first.Id, second.Id], f.Gate.GetRequestsToSign("dr-a").Select(r => r.Id));
        Assert.Equal([first.Id, second.Id, own.Id], f.Gate.GetRequestsToSign("dr-b").Select(r => r.Id));
        Assert.Equal([own.Id], f.Gate.GetRequestsToSign("dr-owner").Select(r => r.Id)); // owns the agent that opened the others
        Assert.Empty(f.Gate.GetRequestsToSign("clerk-1"));
        Assert.Empty(f.Gate.GetRequestsToSign("dr-gone"));
        Assert.Empty(f.Gate.GetRequestsToSign("helper-bot"));

        await f.PresentAndApproveAsync(first.Id, "dr-b");
        Assert.DoesNotContain(first.Id, f.Gate.GetRequestsToSign("dr-b").Select(r => r.Id));
        Assert.Contains(first.Id, f.Gate.GetRequestsToSign("dr-c").Select(r => r.Id));

        f.Time.Advance(TimeSpan.FromHours(2)); // past the bot's gate's expires_after (1 h), not dr-a's (the default 72 h)
        Assert.Equal([own.Id], f.Gate.GetRequestsToSign("dr-c").Select(r => r.Id));
    }

    [Theory]
    [InlineData("dr-b", null)]
    [InlineData("bot", ReasonCodes.AgentCannotApprove)]
    [InlineData("dr-owner", ReasonCodes.OwnerCannotApprove)]
    [InlineData("clerk-1", ReasonCodes.ApproverNotEligible)]
    [InlineData("dr-gone", ReasonCodes.PrincipalInactive)]
    [InlineData("nobody", ReasonCodes.PrincipalUnknown)]
    public async Task CheckSigner_answers_with_the_sign_off_rules_reason_code_and_records_nothing(string reviewer, string? expected)
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        var before = f.Store.Events.Count;
        Assert.Equal(expected, f.Gate.CheckSigner(request.Id, reviewer));
        Assert.Equal(before, f.Store.Events.Count);
        if (expected is null) return;
        // The sign-off itself refuses with the same code.
        Assert.Equal(expected, (await f.Gate.ApproveAsync(request.Id, reviewer, "ok")).ReasonCode);
    }

    [Fact]
    public async Task CheckSigner_knows_signed_closed_expired_and_unknown_requests()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        Assert.Equal(ReasonCodes.RequestNotFound, f.Gate.CheckSigner("no-such", "dr-a"));
        Assert.Equal(ReasonCodes.RequesterCannotApprove, f.Gate.CheckSigner((await f.OpenDenialAsync("dr-a", Claim(id: "C-9"))).Id, "dr-a"));
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        Assert.Equal(ReasonCodes.AlreadySigned, f.Gate.CheckSigner(request.Id, "dr-a"));
        await f.Gate.PresentAsync(request.Id, "dr-b");
        f.Time.Advance(TimeSpan.FromSeconds(31));
        await f.Gate.RejectAsync(request.Id, "dr-b", "not supported by the record");
        Assert.Equal(ReasonCodes.RequestClosed, f.Gate.CheckSigner(request.Id, "dr-c"));
        var late = await f.OpenDenialAsync(payload: Claim(id: "C-10"));
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(ReasonCodes.RequestExpired, f.Gate.CheckSigner(late.Id, "dr-c"));
    }

    [Fact]
    public async Task The_gate_in_force_and_the_counts_per_status_are_read_from_the_applied_log()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync();
        var gate = f.Gate.GetGateInForce(request.Id)!;
        Assert.Equal((2, TimeSpan.FromSeconds(30)), (gate.Approvers, gate.MinReview));
        Assert.Null(f.Gate.GetGateInForce("no-such"));

        await f.OpenDenialAsync(payload: Claim(id: "C-2"));
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        var counts = f.Gate.CountRequests();
        Assert.Equal(1, counts[ApprovalStatus.Pending]);
        Assert.Equal(1, counts[ApprovalStatus.Approved]);
        f.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, f.Gate.CountRequests()[ApprovalStatus.Expired]);
    }

    [Fact]
    public async Task A_reviewer_queue_page_is_a_slice_of_the_requests_to_sign_with_the_total_and_the_count_per_skill()
    {
        await using var f = new ClaimsFixture();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await f.OpenDenialAsync(payload: Claim(id: $"C-{i}"))).Id);
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }
        var page = f.Gate.GetReviewerQueuePage("dr-a", null, 2, 3);
        Assert.Equal(ids[2..5], page.Page.Select(r => r.Id));
        Assert.Equal(7, page.Total);
        Assert.Equal(7, page.Skills[Deny]);
        Assert.Equal(f.Gate.GetRequestsToSign("dr-a").Select(r => r.Id), ids);
        var other = f.Gate.GetReviewerQueuePage("dr-a", Flag, 0, 10);
        Assert.Empty(other.Page);
        Assert.Equal((0, 7), (other.Total, other.Skills[Deny]));
        Assert.Empty(f.Gate.GetReviewerQueuePage("dr-a", null, 50, 10).Page);
    }
}
