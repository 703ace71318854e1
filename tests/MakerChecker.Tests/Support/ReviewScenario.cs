using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Review;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace MakerChecker.Testing;

/// <summary>
/// Drives a real <see cref="ApprovalGate"/> on a fake clock through a review day: an agent drafts denials and
/// physicians sign them at a chosen pace. Shared (as a linked file) by the core and CLI tests.
/// </summary>
internal sealed class ReviewScenario : IAsyncDisposable
{
    /// <summary>Denials wait for one physician; no <c>min_review</c>, so the log shows the pace reviewers chose.</summary>
    public const string PolicyYaml = """
        policy:
          name: review-scenario
          version: "1"
        skills:
          - skill: coverage.flag
            versions: [1]
            risk: low
          - skill: coverage.deny
            versions: [1]
            risk: high
        roles:
          - role: claims-screener
            grants:
              - skill: coverage.flag@1
          - role: denial-drafter
            grants:
              - skill: coverage.deny@1
                gate:
                  approvers: 1
                  approver_roles: [medical-reviewer]
                  expires_after: 72h
          - role: medical-reviewer
          - role: medical-director
            grants:
              - skill: coverage.deny@1
                gate:
                  approver_roles: [medical-reviewer]
                  break_glass:
                    roles: [medical-director]
        principals:
          - id: screener-bot
            kind: agent
            role: claims-screener
            owner: ops.lead
          - id: drafter-bot
            kind: agent
            role: denial-drafter
            owner: ops.lead
          - id: ops.lead
            kind: human
            role: claims-screener
          - id: dr.steady
            kind: human
            role: medical-reviewer
          - id: dr.batch
            kind: human
            role: medical-reviewer
          - id: dr.director
            kind: human
            role: medical-director
        """;

    public const string Deny = "coverage.deny@1";
    public const string Flag = "coverage.flag@1";

    public ReviewScenario(IAuditStore? store = null, ILoggerFactory? loggerFactory = null, ReviewMonitorOptions? monitoring = null, bool monitored = true, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(Start);
        Store = store ?? new InMemoryAuditStore(timeProvider: Time);
        Gate = new ApprovalGate(PolicyLoader.Load(PolicyYaml).GetPolicyOrThrow(), Store, Time, loggerFactory, () => 0.99)
        {
            ReviewMonitoring = monitored ? monitoring ?? new ReviewMonitorOptions() : null,
        };
    }

    public static DateTimeOffset Start { get; } = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; }

    public IAuditStore Store { get; }

    public ApprovalGate Gate { get; }

    private static ValueTask Nothing(CancellationToken _) => ValueTask.CompletedTask;

    /// <summary>The screen flags <paramref name="count"/> claims (automated decisions that nobody reviews).</summary>
    public async Task FlagAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var result = await Gate.InvokeAsync("screener-bot", Flag, new JsonObject { ["claim"] = $"F-{i}" }, Nothing);
            Assert.Equal(DecisionOutcome.Allowed, result.Outcome);
        }
    }

    /// <summary>
    /// The drafter opens <paramref name="count"/> denials, then <paramref name="reviewer"/> works through them: each is
    /// presented, signed after <paramref name="dwell"/>(i), and the next presented <paramref name="gap"/> later.
    /// </summary>
    public async Task ReviewAsync(string reviewer, int count, Func<int, TimeSpan> dwell, TimeSpan gap, Func<int, bool>? approve = null)
    {
        var requests = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var opened = await Gate.InvokeAsync("drafter-bot", Deny, new JsonObject { ["claim"] = $"{reviewer}-{i}" }, Nothing);
            Assert.Equal(DecisionOutcome.ApprovalRequired, opened.Outcome);
            requests.Add(opened.Request!.Id);
        }
        for (var i = 0; i < count; i++)
        {
            Assert.False((await Gate.PresentAsync(requests[i], reviewer)).IsRefused);
            Time.Advance(dwell(i));
            var signed = approve?.Invoke(i) ?? true
                ? await Gate.ApproveAsync(requests[i], reviewer, "meets the denial criteria")
                : await Gate.RejectAsync(requests[i], reviewer, "the clinical notes support coverage");
            Assert.False(signed.IsRefused, signed.Message);
            Time.Advance(gap);
        }
    }

    /// <summary>The medical director breaks the glass once.</summary>
    public async Task BreakGlassAsync(string justification)
    {
        var result = await Gate.BreakGlassAsync("dr.director", Deny, new JsonObject { ["claim"] = "urgent" }, justification, Nothing);
        Assert.False(result.IsRefused, result.Message);
    }

    /// <summary>A working day: a steady 45 s reviewer, then a batch reviewer at 1.2 s, some flags and one break-glass.</summary>
    public async Task RunDayAsync(int steady = 40, int batch = 150)
    {
        await FlagAsync(20);
        await ReviewAsync("dr.steady", steady, i => TimeSpan.FromSeconds(30 + (i * 7 % 31)), TimeSpan.FromSeconds(90), i => i % 3 != 0);
        await ReviewAsync("dr.batch", batch, _ => TimeSpan.FromMilliseconds(1200), TimeSpan.Zero);
        await BreakGlassAsync("patient transfer cannot wait for the queue");
    }

    public async ValueTask DisposeAsync()
    {
        await Gate.DisposeAsync();
        await Store.DisposeAsync();
    }
}
