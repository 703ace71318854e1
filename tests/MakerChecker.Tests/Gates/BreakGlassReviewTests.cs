using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Review;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>Every break-glass use is reviewed afterwards, once, by an eligible approver; a reviewed use leaves the list.</summary>
public class BreakGlassReviewTests
{
    private static async Task<string> BreakGlassAsync(ClaimsFixture f, string who = "dr-a")
    {
        var result = await f.Gate.BreakGlassAsync(who, Deny, Claim(), "patient safety: duplicate claim paid twice", f.Action);
        Assert.Equal(ReasonCodes.BreakGlass, result.ReasonCode);
        return Assert.Single(f.Gate.GetBreakGlassForReview(), b => b.PrincipalId == who).InvocationId;
    }

    [Fact]
    public async Task An_accepted_use_leaves_the_list_is_recorded_and_stays_reviewed_after_a_restart()
    {
        await using var f = new ClaimsFixture();
        var id = await BreakGlassAsync(f);

        var reviewed = await f.Gate.ReviewBreakGlassAsync(id, "dr-b", BreakGlassVerdict.Accepted, "the duplicate payment was real");
        Assert.Equal(ReasonCodes.BreakGlassReviewed, reviewed.ReasonCode);
        Assert.False(reviewed.IsRefused);
        Assert.Empty(f.Gate.GetBreakGlassForReview());
        var e = Assert.Single(f.Store.Payloads<BreakGlassReviewed>());
        Assert.Equal((id, "dr-a", Deny, "dr-b", "accepted", "the duplicate payment was real"), (e.InvocationId, e.PrincipalId, e.Skill, e.ReviewerId, e.Verdict, e.Reason));
        Assert.Equal(f.Time.GetUtcNow(), e.ReviewedAt);

        await using var restarted = await ApprovalGate.CreateAsync(BuildPolicy(), f.Store, f.Time);
        Assert.Empty(restarted.GetBreakGlassForReview());
        var again = await restarted.ReviewBreakGlassAsync(id, "dr-c", BreakGlassVerdict.Escalated, "second opinion");
        Assert.Equal(ReasonCodes.BreakGlassAlreadyReviewed, again.ReasonCode);
        Assert.Contains("accepted", again.Message, StringComparison.Ordinal);
        Assert.Single(f.Store.Payloads<BreakGlassReviewed>());
    }

    [Fact]
    public async Task An_escalation_needs_a_reason_and_only_the_reviewed_use_leaves_the_list()
    {
        await using var f = new ClaimsFixture();
        var first = await BreakGlassAsync(f, "dr-a");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await BreakGlassAsync(f, "dr-b");

        var blank = await f.Gate.ReviewBreakGlassAsync(first, "dr-c", BreakGlassVerdict.Escalated, "  ");
        Assert.Equal(ReasonCodes.ReasonRequired, blank.ReasonCode);
        Assert.Equal([first, second], f.Gate.GetBreakGlassForReview().Select(b => b.InvocationId));

        var escalated = await f.Gate.ReviewBreakGlassAsync(first, "dr-c", BreakGlassVerdict.Escalated, "no emergency on file");
        Assert.Equal(ReasonCodes.BreakGlassReviewed, escalated.ReasonCode);
        Assert.Equal([second], f.Gate.GetBreakGlassForReview().Select(b => b.InvocationId));
        Assert.Equal("escalated", f.Store.Payloads<BreakGlassReviewed>().Single().Verdict);
        var refusal = f.Store.Payloads<DecisionRefused>().Single(r => r.Stage == "break_glass_review");
        Assert.Equal(ReasonCodes.ReasonRequired, refusal.ReasonCode);
    }

    [Theory]
    [InlineData("dr-a", "broke the glass")]
    [InlineData("helper-bot", "only a human")]
    [InlineData("clerk-1", "approver_not_eligible")]
    [InlineData("dr-gone", "principal_inactive")]
    [InlineData("nobody", "no principal")]
    public async Task Only_an_eligible_human_approver_other_than_the_breaker_may_review(string who, string why)
    {
        await using var f = new ClaimsFixture();
        var id = await BreakGlassAsync(f);
        var refused = await f.Gate.ReviewBreakGlassAsync(id, who, BreakGlassVerdict.Accepted);
        Assert.Equal(ReasonCodes.BreakGlassReviewNotAllowed, refused.ReasonCode);
        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        Assert.Single(f.Gate.GetBreakGlassForReview());
        Assert.Empty(f.Store.Payloads<BreakGlassReviewed>());
        var recorded = f.Store.Payloads<DecisionRefused>().Single(r => r.Stage == "break_glass_review");
        Assert.Equal((who, ReasonCodes.BreakGlassReviewNotAllowed), (recorded.PrincipalId, recorded.ReasonCode));
    }

    [Fact]
    public async Task An_unknown_invocation_is_not_found_and_nothing_is_recorded()
    {
        await using var f = new ClaimsFixture();
        await BreakGlassAsync(f);
        var before = f.Store.Events.Count;
        var missing = await f.Gate.ReviewBreakGlassAsync("no-such-use", "dr-b", BreakGlassVerdict.Accepted);
        Assert.Equal(ReasonCodes.BreakGlassNotFound, missing.ReasonCode);
        Assert.Equal(before, f.Store.Events.Count);
    }

    [Fact]
    public async Task The_review_report_no_longer_lists_a_reviewed_use_as_awaiting_review()
    {
        await using var f = new ClaimsFixture();
        var reviewedId = await BreakGlassAsync(f, "dr-a");
        await BreakGlassAsync(f, "dr-b");
        await f.Gate.ReviewBreakGlassAsync(reviewedId, "dr-c", BreakGlassVerdict.Accepted);

        var report = RubberStampDetector.Analyze(ReviewEvidenceReader.Read(f.Store.Events));
        var awaiting = Assert.Single(report.BreakGlassAwaitingReview);
        Assert.Equal("dr-b", awaiting.PrincipalId);
    }
}
