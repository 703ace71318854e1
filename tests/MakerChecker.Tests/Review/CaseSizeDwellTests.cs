using System.Text.Json.Nodes;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Review;
using MakerChecker.Testing;

namespace MakerChecker.Tests.Review;

/// <summary>Dwell judged per unit of an optional case size (issue 14): recorded with the request, read by the detector.</summary>
public sealed class CaseSizeDwellTests
{
    private static ValueTask Nothing(CancellationToken _) => ValueTask.CompletedTask;

    /// <summary>
    /// The drafter opens a denial with <paramref name="basis"/>; <paramref name="reviewer"/> signs it <paramref name="dwell"/> after presentation.
    /// </summary>
    private static async Task<string> SignAsync(ReviewScenario scenario, string reviewer, ProposalBasis? basis, TimeSpan dwell)
    {
        var opened = await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new JsonObject { ["claim"] = reviewer }, Nothing, basis);
        Assert.Equal(DecisionOutcome.ApprovalRequired, opened.Outcome);
        Assert.False((await scenario.Gate.PresentAsync(opened.Request!.Id, reviewer)).IsRefused);
        scenario.Time.Advance(dwell);
        var signed = await scenario.Gate.ApproveAsync(opened.Request.Id, reviewer, "meets the denial criteria");
        Assert.False(signed.IsRefused, signed.Message);
        scenario.Time.Advance(TimeSpan.FromMinutes(2));
        return opened.Request.Id;
    }

    [Fact]
    public async Task Thirty_seconds_on_a_1_page_case_is_fine_but_on_a_400_page_case_is_flagged()
    {
        await using var scenario = new ReviewScenario(monitored: false);
        var small = await SignAsync(scenario, "dr.steady", new ProposalBasis("PXDX-42") { CaseSize = 1 }, TimeSpan.FromSeconds(30));
        var large = await SignAsync(scenario, "dr.batch", new ProposalBasis("PXDX-42") { CaseSize = 400 }, TimeSpan.FromSeconds(30));

        var report = RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(scenario.Store.ReadAsync()));

        Assert.Empty(report.FindingsFor("dr.steady"));
        var finding = Assert.Single(report.FindingsFor("dr.batch"));
        Assert.Equal("dwell_below_case_size", FindingKinds.DwellBelowCaseSize);
        Assert.Equal((FindingKinds.DwellBelowCaseSize, FindingSeverity.High, 1), (finding.Kind, finding.Severity, finding.Count));
        Assert.Equal("dr.batch", finding.ReviewerId);
        Assert.Contains($"request {large}", finding.Message, StringComparison.Ordinal);
        Assert.Contains("30.0 s for a case size of 400", finding.Message, StringComparison.Ordinal);
        Assert.Contains("0.075 s per unit", finding.Message, StringComparison.Ordinal);
        Assert.Equal("1 s", finding.Thresholds["min_dwell_per_case_unit"]);
        var row = Assert.Single(finding.Evidence);
        Assert.Equal((large, 30_000L), (row.RequestId, row.DwellMs));
        Assert.NotEqual(small, large);
    }

    [Fact]
    public async Task The_case_size_is_recorded_only_when_given_and_survives_a_restart()
    {
        await using var scenario = new ReviewScenario(monitored: false);
        var sized = await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new JsonObject { ["claim"] = 1 }, Nothing,
            new ProposalBasis("PXDX-42") { CaseSize = 400 });
        await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new JsonObject { ["claim"] = 2 }, Nothing, new ProposalBasis("PXDX-42"));

        var requested = new List<JsonObject>();
        await foreach (var e in scenario.Store.ReadAsync())
        {
            if (e.EventType == AuditEventTypes.ApprovalRequested) requested.Add(JsonNode.Parse(e.Payload.GetRawText())!.AsObject());
        }
        Assert.Equal(2, requested.Count);
        Assert.Equal(400, (int)requested[0]["basis"]!["caseSize"]!);
        Assert.False(requested[1]["basis"]!.AsObject().ContainsKey("caseSize"));

        var restarted = new ApprovalGate(
            MakerChecker.Policy.PolicyLoader.Load(ReviewScenario.PolicyYaml).GetPolicyOrThrow(), scenario.Store, scenario.Time);
        await restarted.InitializeAsync();
        var request = restarted.GetRequest(sized.Request!.Id);
        Assert.Equal(400, request!.Basis!.CaseSize);
    }

    [Fact]
    public async Task Without_a_case_size_the_findings_are_exactly_the_old_ones()
    {
        // A batch reviewer at 1.2 s a case: without sizes flagged as before and nothing more; with sizes, one finding more.
        await using var without = new ReviewScenario(monitored: false);
        await using var with = new ReviewScenario(monitored: false);
        for (var i = 0; i < 12; i++)
        {
            await SignAsync(without, "dr.batch", new ProposalBasis("PXDX-42"), TimeSpan.FromMilliseconds(1200));
            await SignAsync(with, "dr.batch", new ProposalBasis("PXDX-42") { CaseSize = 10 }, TimeSpan.FromMilliseconds(1200));
        }

        var old = RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(without.Store.ReadAsync()));
        var sized = RubberStampDetector.Analyze(await ReviewEvidenceReader.ReadAsync(with.Store.ReadAsync()));

        Assert.NotEmpty(old.Findings);
        Assert.DoesNotContain(old.Findings, f => f.Kind == FindingKinds.DwellBelowCaseSize);
        Assert.Equal(
            old.Findings.Select(f => (f.ReviewerId, f.Kind, f.Severity, f.Message, f.Count)),
            sized.Findings.Where(f => f.Kind != FindingKinds.DwellBelowCaseSize).Select(f => (f.ReviewerId, f.Kind, f.Severity, f.Message, f.Count)));
        Assert.Contains(sized.Findings, f => f.Kind == FindingKinds.DwellBelowCaseSize && f.Count == 12);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(ProposalBasis.MaxCaseSize + 1)]
    [InlineData(int.MaxValue)]
    public async Task A_negative_zero_or_absurd_case_size_is_refused_before_anything_is_recorded(int size)
    {
        await using var scenario = new ReviewScenario(monitored: false);
        await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new JsonObject { ["claim"] = 0 }, Nothing);
        var before = await scenario.Store.ReadAsync().CountAsync();

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
            await scenario.Gate.InvokeAsync("drafter-bot", ReviewScenario.Deny, new JsonObject { ["claim"] = 1 }, Nothing,
                new ProposalBasis("PXDX-42") { CaseSize = size }));

        Assert.Equal("CaseSize", error.ParamName);
        Assert.Contains($"case size was {size}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"between 1 and {ProposalBasis.MaxCaseSize}", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await scenario.Store.ReadAsync().CountAsync());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProposalBasis() { CaseSize = 3 } with { CaseSize = size });
    }

    [Fact]
    public async Task The_gate_monitor_alerts_on_a_thin_sign_off_as_it_happens()
    {
        var alerts = new List<ReviewFinding>();
        await using var scenario = new ReviewScenario(monitoring: new ReviewMonitorOptions { OnFinding = alerts.Add });
        await SignAsync(scenario, "dr.steady", new ProposalBasis("PXDX-42") { CaseSize = 1 }, TimeSpan.FromSeconds(30));
        Assert.Empty(alerts);

        var large = await SignAsync(scenario, "dr.batch", new ProposalBasis("PXDX-42") { CaseSize = 400 }, TimeSpan.FromSeconds(30));

        var alert = Assert.Single(alerts);
        Assert.Equal((FindingKinds.DwellBelowCaseSize, "dr.batch", large), (alert.Kind, alert.ReviewerId, Assert.Single(alert.Evidence).RequestId));
    }

    [Fact]
    public void The_threshold_must_be_positive()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ReviewDetectionOptions { MinDwellPerCaseUnit = TimeSpan.Zero }.Validate());
        Assert.Equal(nameof(ReviewDetectionOptions.MinDwellPerCaseUnit), error.ParamName);
    }
}
