using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// Several gates over one log, as app instances over one database: each gate has its own store object (for a database,
/// its own connections), and together they must behave as one gate. A request opened on one instance is signed on
/// others and executed on a third; racing executions run the action once; a limit holds across instances; a suspension
/// or a policy activation on one instance governs the others' next decisions. Derive a test class and supply the stores.
/// </summary>
public abstract class GateInstancesTests
{
    /// <summary>
    /// Opens a new, empty log and returns three store objects over it, one per gate (or the same object three times for
    /// a log with one writer object). The test class disposes them.
    /// </summary>
    /// <returns>Three stores over one new log.</returns>
    protected abstract Task<IReadOnlyList<IAuditStore>> OpenStoresAsync();

    /// <summary>Opened on A, presented and approved on B and C, executed on A; every instance then sees it executed.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_request_moves_between_instances()
    {
        var stores = await OpenStoresAsync();
        var (gates, time) = await StartAsync(stores);
        var (a, b, c) = (gates[0], gates[1], gates[2]);
        var requestId = await GateTestPolicy.OpenApprovedRequestAsync(a, b, c, time);

        var runs = 0;
        var executed = await a.ExecuteAsync(requestId, "screener-bot", GateTestPolicy.Claim(), _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        Assert.Equal(ReasonCodes.Executed, executed.ReasonCode);
        Assert.Equal(1, runs);
        foreach (var gate in gates)
        {
            await gate.RefreshAsync();
            Assert.Equal(ApprovalStatus.Executed, gate.GetRequest(requestId)!.Status);
        }

        Assert.Equal(ReasonCodes.AlreadyExecuted, (await c.ExecuteAsync(requestId, "screener-bot", GateTestPolicy.Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>Every instance races to execute one approved request, four times each: the action runs exactly once.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Racing_executions_on_every_instance_run_the_action_once()
    {
        var stores = await OpenStoresAsync();
        var (gates, time) = await StartAsync(stores);
        var requestId = await GateTestPolicy.OpenApprovedRequestAsync(gates[0], gates[1], gates[2], time);

        var runs = 0;
        var results = await RaceAsync(gates, gate => gate.ExecuteAsync(requestId, "screener-bot", GateTestPolicy.Claim(), _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; }));

        Assert.Equal(1, runs);
        Assert.Single(results, r => r.ReasonCode == ReasonCodes.Executed);
        Assert.All(results.Where(r => r.ReasonCode != ReasonCodes.Executed), r => Assert.Equal(ReasonCodes.AlreadyExecuted, r.ReasonCode));
        Assert.Single(await EventsAsync(stores[0], AuditEventTypes.ActionStarted));
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>A per-minute limit, with every instance invoking at once: exactly that many are allowed in all.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_limit_holds_across_instances()
    {
        var stores = await OpenStoresAsync();
        var (gates, _) = await StartAsync(stores);
        var runs = 0;
        var results = await RaceAsync(gates, gate => gate.InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; }));

        Assert.Equal(GateTestPolicy.PerMinute, runs);
        Assert.Equal(GateTestPolicy.PerMinute, results.Count(r => r.Outcome == DecisionOutcome.Allowed));
        Assert.All(results.Where(r => r.Outcome != DecisionOutcome.Allowed), r => Assert.Equal(ReasonCodes.LimitExceeded, r.ReasonCode));
        Assert.Equal(GateTestPolicy.PerMinute, (await EventsAsync(stores[0], AuditEventTypes.DecisionAllowed)).Count);
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>A suspension and a new policy recorded on A are honoured by B's next decision.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_suspension_or_a_policy_on_one_instance_governs_the_others()
    {
        var stores = await OpenStoresAsync();
        var (gates, _) = await StartAsync(stores);
        var (a, b) = (gates[0], gates[1]);
        Func<CancellationToken, ValueTask> action = _ => ValueTask.CompletedTask;
        Assert.Equal(DecisionOutcome.Allowed, (await b.InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), action)).Outcome);

        var bot = a.Policy.Principals["screener-bot"];
        Assert.Empty(await a.RegisterPrincipalAsync(new PrincipalDefinition(bot.Id, bot.Kind, bot.Role, PrincipalStatus.Suspended, bot.Owner)));
        Assert.Equal(ReasonCodes.PrincipalInactive, (await b.InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), action)).ReasonCode);

        // Version 2 no longer grants coverage.flag: B holds version 1, so it refuses until it has version 2 too.
        var withoutFlag = GateTestPolicy.Text.Split('\n').Where(line => !line.Contains("coverage.flag@1", StringComparison.Ordinal)
            && !line.Contains("limits:", StringComparison.Ordinal) && !line.Contains("per_minute", StringComparison.Ordinal));
        var next = PolicyLoader.Load(string.Join('\n', withoutFlag).Replace("version: \"1\"", "version: \"2\"", StringComparison.Ordinal)).GetPolicyOrThrow();
        await a.ActivatePolicyAsync(next);
        Assert.Equal(ReasonCodes.PolicySuperseded, (await b.InvokeAsync("ops.lead", "coverage.flag@1", GateTestPolicy.Claim(), action)).ReasonCode);
        await b.ActivatePolicyAsync(next);
        Assert.Equal(ReasonCodes.SkillNotGranted, (await b.InvokeAsync("ops.lead", "coverage.flag@1", GateTestPolicy.Claim(), action)).ReasonCode);
        Assert.Equal(ReasonCodes.SkillNotGranted, (await a.InvokeAsync("ops.lead", "coverage.flag@1", GateTestPolicy.Claim(), action)).ReasonCode);
        await AssertOneValidChainAsync(stores[0]);
    }

    private static async Task<(List<ApprovalGate> Gates, FakeTimeProvider Time)> StartAsync(IReadOnlyList<IAuditStore> stores)
    {
        Assert.Equal(3, stores.Count);
        var policy = GateTestPolicy.Load();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var gates = stores.Select(store => new ApprovalGate(policy, store, time)).ToList();
        foreach (var gate in gates)
        {
            await gate.InitializeAsync();
        }

        return (gates, time);
    }

    /// <summary>Four calls per gate, all released at once.</summary>
    private static async Task<GateResult[]> RaceAsync(List<ApprovalGate> gates, Func<ApprovalGate, ValueTask<GateResult>> call)
    {
        using var start = new ManualResetEventSlim();
        var racing = Enumerable.Range(0, gates.Count * 4).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await call(gates[i % gates.Count]);
        })).ToList();
        start.Set();
        return await Task.WhenAll(racing);
    }

    private static async Task<List<AuditEvent>> EventsAsync(IAuditStore store, string eventType)
    {
        var found = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(1))
        {
            if (e.EventType == eventType) found.Add(e);
        }

        return found;
    }

    private static async Task AssertOneValidChainAsync(IAuditStore store)
    {
        var verdict = await Verification.AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }
}
