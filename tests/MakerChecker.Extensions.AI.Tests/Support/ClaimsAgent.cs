using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Extensions.AI.Tests.Support;

/// <summary>
/// The claims-review policy (samples/policies) behind a gate on a fake clock, and the claims system's two actions as
/// functions that count how often they ran: flag (allowed for screener-bot) and deny (gated for drafter-bot).
/// </summary>
internal sealed class ClaimsAgent : IAsyncDisposable
{
    private ClaimsAgent(FakeTimeProvider clock, FaultInjectingAuditStore store, ApprovalGate gate)
    {
        Clock = clock;
        Store = store;
        Gate = gate;
        Flag = AIFunctionFactory.Create((string claimId) => { Flagged.Add(claimId); return $"claim {claimId} flagged"; }, "flag_claim");
        Deny = AIFunctionFactory.Create((string claimId, string reason) => { Denied.Add((claimId, reason)); return $"claim {claimId} denied"; }, "deny_claim");
    }

    public FakeTimeProvider Clock { get; }

    public FaultInjectingAuditStore Store { get; }

    public ApprovalGate Gate { get; }

    public AIFunction Flag { get; }

    public AIFunction Deny { get; }

    public List<string> Flagged { get; } = [];

    public List<(string ClaimId, string Reason)> Denied { get; } = [];

    public static readonly Dictionary<string, object?> DenyArguments = new() { ["claimId"] = "C-1009", ["reason"] = "PXDX-42: not covered" };

    public static async Task<ClaimsAgent> StartAsync()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
        var store = new FaultInjectingAuditStore(new InMemoryAuditStore(timeProvider: clock));
        var gate = await ApprovalGate.CreateAsync(policy, store, clock);
        return new ClaimsAgent(clock, store, gate);
    }

    public MakerCheckerFunction GatedDeny(string principal = "drafter-bot") => Deny.WithMakerChecker(Gate, "coverage.deny@1", principal);

    public MakerCheckerFunction GatedFlag(string principal = "screener-bot") => Flag.WithMakerChecker(Gate, "coverage.flag@1", principal);

    /// <summary>A physician reviews the request: shown the case, reads it for 95 s (min_review is 30 s), approves.</summary>
    public async Task<GateResult> PhysicianApprovesAsync(string requestId, string reviewer = "dr.okafor")
    {
        await Gate.PresentAsync(requestId, reviewer);
        Clock.Advance(TimeSpan.FromSeconds(95));
        return await Gate.ApproveAsync(requestId, reviewer, "chart reviewed");
    }

    public async Task<List<AuditEvent>> EventsAsync() => await Store.EventsAsync();

    public async Task<List<string>> EventTypesAsync() => [.. (await EventsAsync()).Select(e => e.EventType)];

    public static JsonObject DenyPayload() => new() { ["claimId"] = "C-1009", ["reason"] = "PXDX-42: not covered" };

    public async ValueTask DisposeAsync()
    {
        await Gate.DisposeAsync();
        await Store.DisposeAsync();
    }
}
