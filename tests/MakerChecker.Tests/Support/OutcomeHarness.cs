using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Gates;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Support;

/// <summary>
/// The claims policy of <see cref="ClaimsFixture"/> over a real (in-memory) audit store wrapped in a
/// <see cref="FaultInjectingAuditStore"/>, with an action that counts its runs and can be made to throw.
/// </summary>
internal sealed class OutcomeHarness : IAsyncDisposable
{
    private int _runs;

    public OutcomeHarness(FaultInjectingAuditStore? store = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        Store = store ?? new FaultInjectingAuditStore(new InMemoryAuditStore(timeProvider: Time));
        Gate = new ApprovalGate(ClaimsFixture.BuildPolicy(), Store, Time, sampleSource: () => 0.99);
    }

    public FaultInjectingAuditStore Store { get; }

    public FakeTimeProvider Time { get; }

    public ApprovalGate Gate { get; }

    public int Runs => _runs;

    /// <summary>Whether the action throws <see cref="InvalidOperationException"/> (after counting its run).</summary>
    public bool ActionThrows { get; set; }

    public Func<CancellationToken, ValueTask> Action => _ =>
    {
        Interlocked.Increment(ref _runs);
        return ActionThrows ? throw new InvalidOperationException("the action failed") : ValueTask.CompletedTask;
    };

    public static JsonObject Claim(string id = "C-1") => ClaimsFixture.Claim(id: id);

    /// <summary>Opens a denial request by the bot (two approvals needed) and returns its id.</summary>
    public async Task<string> OpenDenialAsync()
    {
        var opened = await Gate.InvokeAsync("bot", ClaimsFixture.Deny, Claim(), Action);
        Assert.NotNull(opened.Request);
        return opened.Request.Id;
    }

    /// <summary>Opens a denial request and has dr-a present it, then waits out min_review.</summary>
    public async Task<string> OpenAndPresentAsync()
    {
        var id = await OpenDenialAsync();
        Assert.False((await Gate.PresentAsync(id, "dr-a")).IsRefused);
        Time.Advance(TimeSpan.FromSeconds(31));
        return id;
    }

    /// <summary>Opens a denial request and has dr-a and dr-b approve it.</summary>
    public async Task<string> OpenApprovedAsync()
    {
        var id = await OpenAndPresentAsync();
        Assert.False((await Gate.ApproveAsync(id, "dr-a", "reviewed")).IsRefused);
        Assert.False((await Gate.PresentAsync(id, "dr-b")).IsRefused);
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.False((await Gate.ApproveAsync(id, "dr-b", "reviewed")).IsRefused);
        return id;
    }

    /// <summary>
    /// What the log must say about actions, whatever failed: every run recorded exactly once, and every authorisation
    /// (<c>decision.allowed</c>, <c>breakglass.invoked</c>, each <c>action.started</c>) ended by exactly one outcome or resolution.
    /// The chain verifies.
    /// </summary>
    public async Task AssertLogTellsTheTruthAsync()
    {
        var events = await Store.EventsAsync();
        var outcomes = events.Where(e => e.EventType is AuditEventTypes.ActionExecuted or AuditEventTypes.ActionFailed).ToList();
        Assert.Equal(Runs, outcomes.Count);

        foreach (var allowed in events.Where(e => e.EventType is AuditEventTypes.DecisionAllowed or AuditEventTypes.BreakGlassInvoked))
        {
            Assert.Single(events, e => e.EntityId == allowed.EntityId && IsEnding(e));
        }
        foreach (var started in events.Where(e => e.EventType == AuditEventTypes.ActionStarted))
        {
            var execution = ExecutionId(started);
            Assert.NotNull(execution);
            Assert.Single(events, e => e.EntityId == started.EntityId && IsEnding(e) && ExecutionId(e) == execution);
        }

        var verdict = await MakerChecker.Audit.Verification.AuditStoreVerifier.VerifyAsync(Store.Inner);
        Assert.True(verdict.IsValid, verdict.ToString());
    }

    public static string? ExecutionId(AuditEvent e) =>
        e.Payload.TryGetProperty("executionId", out var x) && x.ValueKind == System.Text.Json.JsonValueKind.String ? x.GetString() : null;

    private static bool IsEnding(AuditEvent e) =>
        e.EventType is AuditEventTypes.ActionExecuted or AuditEventTypes.ActionFailed or AuditEventTypes.ActionOutcomeResolved;

    public ValueTask DisposeAsync() => Gate.DisposeAsync();
}
