using System.Text.Json.Nodes;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Policy.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Support;

/// <summary>
/// A small claims policy, the cast of principals it needs, a fake clock and a fault-injecting store. The screener
/// agent proposes denials that two medical reviewers must sign; medical reviewers' own denials need one.
/// </summary>
internal sealed class ClaimsFixture : IAsyncDisposable
{
    public const string Deny = "coverage.deny@1";
    public const string Flag = "coverage.flag@1";
    public const string Note = "coverage.note@1";
    public const string Pay = "coverage.pay@1";

    public ClaimsFixture(
        Func<double>? sample = null, ILoggerFactory? loggerFactory = null, FaultyAuditStore? store = null, FakeTimeProvider? time = null,
        GateSnapshotOptions? snapshots = null)
    {
        Policy = BuildPolicy();
        Store = store ?? new FaultyAuditStore();
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        Gate = new ApprovalGate(Policy, Store, Time, loggerFactory, sample ?? (() => 0.99)) { Snapshots = snapshots };
    }

    public CompiledPolicy Policy { get; }

    public FaultyAuditStore Store { get; }

    public FakeTimeProvider Time { get; }

    public ApprovalGate Gate { get; }

    public int Runs => _runs;

    private int _runs;

    public Func<CancellationToken, ValueTask> Action => _ =>
    {
        Interlocked.Increment(ref _runs);
        return ValueTask.CompletedTask;
    };

    public static JsonObject Claim(decimal amount = 100m, string id = "C-1") => new() { ["claim"] = new JsonObject { ["id"] = id, ["amount"] = amount } };

    public static CompiledPolicy BuildPolicy(string hash = "00000000000000000000000000000000000000000000000000000000000000aa")
    {
        var p = new TestPolicy { Hash = hash };
        p.Role("screener")
            .Grant(Flag, limits: at => TestPolicy.Limits(at, perMinute: 3))
            .Grant(Pay, limits: at => TestPolicy.Limits(at, maxAmount: 500m, amountField: "claim.amount"))
            .Grant(Note, gate: new TestPolicy.GateSpec { Sample = 0.05, ApproverRoles = ["medical-reviewer"] })
            .Grant(Deny, RiskTier.High, new TestPolicy.GateSpec
            {
                Approvers = 2,
                ApproverRoles = ["medical-reviewer"],
                MinReview = TimeSpan.FromSeconds(30),
                ExpiresAfter = TimeSpan.FromHours(1),
            });
        p.Role("medical-reviewer")
            .Grant(Deny, RiskTier.High, new TestPolicy.GateSpec
            {
                Approvers = 1,
                MinReview = TimeSpan.FromSeconds(30),
                BreakGlassRoles = ["medical-reviewer"],
                AllowAgentApprovers = false,
            })
            .Forbid("coverage.pay");
        p.Role("clerk").Grant(Flag);
        p.Agent("bot", "screener", owner: "dr-owner")
            .Human("dr-owner", "medical-reviewer")
            .Human("dr-a", "medical-reviewer")
            .Human("dr-b", "medical-reviewer")
            .Human("dr-c", "medical-reviewer")
            .Human("dr-gone", "medical-reviewer", PrincipalStatus.Retired)
            .Agent("helper-bot", "medical-reviewer", owner: "dr-c")
            .Human("clerk-1", "clerk");
        return p.Build();
    }

    /// <summary>Presents to and approves as <paramref name="reviewer"/>, waiting out min_review in between.</summary>
    public async Task<GateResult> PresentAndApproveAsync(string requestId, string reviewer, TimeSpan? dwell = null)
    {
        var presented = await Gate.PresentAsync(requestId, reviewer);
        Assert.False(presented.IsRefused, presented.Message);
        Time.Advance(dwell ?? TimeSpan.FromSeconds(31));
        return await Gate.ApproveAsync(requestId, reviewer, "reviewed the file");
    }

    public async Task<ApprovalRequest> OpenDenialAsync(string requester = "bot", JsonObject? payload = null)
    {
        var result = await Gate.InvokeAsync(requester, Deny, payload ?? Claim(), Action, new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:feed", "diagnosis not covered"));
        Assert.Equal(MakerChecker.Decisions.DecisionOutcome.ApprovalRequired, result.Outcome);
        return result.Request!;
    }

    public ValueTask DisposeAsync() => Gate.DisposeAsync();
}
