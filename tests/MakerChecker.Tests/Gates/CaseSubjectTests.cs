using MakerChecker.Audit.Events;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>Cases: a subject on a request or invocation puts every event about it in the case's run (docs/audit-format.md, "Cases").</summary>
public class CaseSubjectTests
{
    // Computed independently with Python: uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, "urn:makerchecker:case-subject:v1"), subject).
    [Theory]
    [InlineData("claim:C-1009", "b9e557ca-2de9-5e20-96b7-a8e55d91903d")]
    [InlineData("claim:C-1010", "baa5fa93-e558-5b85-847d-de714c46b7ae")]
    [InlineData("member:M/77@x", "3020a7f6-fc9e-567f-8997-d9d9a1070658")]
    public void The_run_id_is_the_subjects_uuid_v5(string subject, string runId) => Assert.Equal(runId, CaseSubject.RunIdFor(subject));

    [Fact]
    public void The_namespace_is_the_uuid_v5_of_its_documented_name() =>
        Assert.Equal(new Guid("ce7e6c78-df0e-54e7-9559-c3b5121934e2"), CaseSubject.Namespace);

    [Theory]
    [InlineData("")]
    [InlineData("C-1009")]
    [InlineData(":C-1009")]
    [InlineData("claim:")]
    [InlineData("Claim:C-1009")]
    [InlineData("claim:C 1009")]
    [InlineData("claim:C-1009\n")]
    [InlineData("claim:Ç-1009")]
    [InlineData("1claim:C-1009")]
    [InlineData("a-kind-that-is-longer-than-32-chars:C-1")]
    public void A_malformed_subject_is_refused_with_a_reason(string subject)
    {
        Assert.False(CaseSubject.TryValidate(subject, out var failure));
        Assert.StartsWith("The case subject", failure, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CaseSubject.RunIdFor(subject));
    }

    [Fact]
    public void A_subject_longer_than_the_limit_is_refused()
    {
        var longest = "claim:" + new string('x', CaseSubject.MaxLength - 6);
        Assert.True(CaseSubject.TryValidate(longest, out _));
        Assert.False(CaseSubject.TryValidate(longest + "x", out var failure));
        Assert.Contains("limit is 200", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_event_about_a_request_carries_its_cases_run_id()
    {
        await using var f = new ClaimsFixture();
        var opened = await f.Gate.InvokeAsync("bot", Deny, Claim(id: "C-1009"), f.Action, subject: "claim:C-1009");
        var id = opened.Request!.Id;
        await f.PresentAndApproveAsync(id, "dr-a");
        await f.Gate.ApproveAsync(id, "dr-a", "again"); // refused (already signed): still about the case
        await f.PresentAndApproveAsync(id, "dr-b");
        await f.Gate.ExecuteAsync(id, "bot", Claim(id: "C-1009"), f.Action);
        await f.Gate.InvokeAsync("bot", Flag, Claim(id: "C-2"), f.Action); // another case's events stay out

        var runId = CaseSubject.RunIdFor("claim:C-1009");
        var about = f.Store.Events.Where(e => e.EntityId == id).ToList();
        Assert.Equal(8, about.Count); // requested, 2 x (presented, decided), the refused sign-off, started, executed
        Assert.All(about, e => Assert.Equal(runId, e.RunId));
        Assert.All(f.Store.Events.Where(e => e.EntityId != id), e => Assert.Null(e.RunId));
    }

    [Fact]
    public async Task An_invocation_and_a_break_glass_carry_the_run_id_on_their_outcomes_too()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InvokeAsync("bot", Flag, Claim(id: "C-7"), f.Action, subject: "claim:C-7");
        await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(id: "C-7"), "patient in theatre", f.Action, subject: "claim:C-7");
        await f.Gate.InvokeAsync("clerk-1", Deny, Claim(id: "C-7"), f.Action, subject: "claim:C-7"); // refused

        var runId = CaseSubject.RunIdFor("claim:C-7");
        var inRun = f.Store.Events.Where(e => e.RunId == runId).Select(e => e.EventType).ToArray();
        Assert.Equal(["decision.allowed", "action.executed", "breakglass.invoked", "action.executed", "decision.refused"], inRun);
    }

    [Fact]
    public async Task A_malformed_subject_is_refused_before_anything_is_recorded()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        var before = f.Store.Events.Count;
        var thrown = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action, subject: "claim C-1009"));
        Assert.Equal("subject", thrown.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "urgent", f.Action, subject: "claim:"));
        Assert.Equal(before, f.Store.Events.Count);
        Assert.Equal(0, f.Runs);
    }

    [Fact]
    public async Task A_restarted_gate_keeps_the_run_id_of_an_open_request()
    {
        await using var f = new ClaimsFixture();
        var opened = await f.Gate.InvokeAsync("bot", Deny, Claim(), f.Action, subject: "claim:C-1009");
        await using var restarted = new ApprovalGate(f.Policy, f.Store, f.Time);
        await restarted.PresentAsync(opened.Request!.Id, "dr-a");
        Assert.Equal(CaseSubject.RunIdFor("claim:C-1009"), f.Store.Events[^1].RunId);
    }

    [Fact]
    public async Task The_review_of_a_break_glass_use_is_in_its_cases_run_after_a_restart_too()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.BreakGlassAsync("dr-a", Deny, Claim(id: "C-9"), "patient in theatre", f.Action, subject: "claim:C-9");
        var id = Assert.Single(f.Gate.GetBreakGlassForReview()).InvocationId;
        await using var restarted = await ApprovalGate.CreateAsync(BuildPolicy(), f.Store, f.Time);
        await restarted.ReviewBreakGlassAsync(id, "dr-a", BreakGlassVerdict.Accepted); // refused: the breaker reviews own use
        await restarted.ReviewBreakGlassAsync(id, "dr-b", BreakGlassVerdict.Accepted, "justified");

        var runId = CaseSubject.RunIdFor("claim:C-9");
        var reviews = f.Store.Events.Where(e => e.EventType is "breakglass.reviewed" or "decision.refused").ToList();
        Assert.Equal(2, reviews.Count);
        Assert.All(reviews, e => Assert.Equal(runId, e.RunId));
    }
}
