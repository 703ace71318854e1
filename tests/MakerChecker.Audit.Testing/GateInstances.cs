using System.Text.Json.Nodes;
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
/// or a policy activation on one instance governs the others' next decisions.
/// </summary>
public static class GateInstances
{
    private const string PolicyText = """
        policy:
          name: many-instances
          version: "1"
        skills:
          - skill: coverage.flag
            versions: [1]
            risk: low
          - skill: coverage.deny
            versions: [1]
            risk: high
        roles:
          - role: screener
            grants:
              - skill: coverage.flag@1
                limits:
                  per_minute: 5
              - skill: coverage.deny@1
                gate:
                  approvers: 2
                  approver_roles: [reviewer]
                  min_review: 30s
                  expires_after: 72h
          - role: reviewer
        principals:
          - id: ops.lead
            kind: human
            role: screener
          - id: screener-bot
            kind: agent
            role: screener
            owner: ops.lead
          - id: dr.a
            kind: human
            role: reviewer
          - id: dr.b
            kind: human
            role: reviewer
        """;

    private static readonly JsonObject Claim = new() { ["claim"] = new JsonObject { ["id"] = "C-1" } };

    /// <summary>Opened on A, presented and approved on B and C, executed on A; every instance then sees it executed.</summary>
    /// <param name="stores">One store object per gate over one new log.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task AssertRequestsMoveBetweenInstancesAsync(IReadOnlyList<IAuditStore> stores)
    {
        var (gates, time) = await StartAsync(stores);
        var (a, b, c) = (gates[0], gates[1], gates[2]);
        var requestId = await OpenApprovedRequestAsync(a, b, c, time);

        var runs = 0;
        var executed = await a.ExecuteAsync(requestId, "screener-bot", Claim, _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        Assert.Equal(ReasonCodes.Executed, executed.ReasonCode);
        Assert.Equal(1, runs);
        foreach (var gate in gates)
        {
            await gate.RefreshAsync();
            Assert.Equal(ApprovalStatus.Executed, gate.GetRequest(requestId)!.Status);
        }

        Assert.Equal(ReasonCodes.AlreadyExecuted, (await c.ExecuteAsync(requestId, "screener-bot", Claim, _ => ValueTask.CompletedTask)).ReasonCode);
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>Every instance races to execute one approved request, several times each: the action runs exactly once.</summary>
    /// <param name="stores">One store object per gate over one new log.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task AssertRacingExecutionsRunOnceAsync(IReadOnlyList<IAuditStore> stores)
    {
        var (gates, time) = await StartAsync(stores);
        var requestId = await OpenApprovedRequestAsync(gates[0], gates[1], gates[^1], time);

        var runs = 0;
        using var start = new ManualResetEventSlim();
        var racing = Enumerable.Range(0, gates.Count * 4).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await gates[i % gates.Count].ExecuteAsync(requestId, "screener-bot", Claim, _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(racing);

        Assert.Equal(1, runs);
        Assert.Single(results, r => r.ReasonCode == ReasonCodes.Executed);
        Assert.All(results.Where(r => r.ReasonCode != ReasonCodes.Executed), r => Assert.Equal(ReasonCodes.AlreadyExecuted, r.ReasonCode));
        Assert.Single(await EventsAsync(stores[0], AuditEventTypes.ActionStarted));
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>A per-minute limit of 5, with every instance invoking at once: exactly 5 are allowed in all.</summary>
    /// <param name="stores">One store object per gate over one new log.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task AssertLimitsHoldAcrossInstancesAsync(IReadOnlyList<IAuditStore> stores)
    {
        var (gates, _) = await StartAsync(stores);
        var runs = 0;
        using var start = new ManualResetEventSlim();
        var racing = Enumerable.Range(0, gates.Count * 4).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await gates[i % gates.Count].InvokeAsync("screener-bot", "coverage.flag@1", Claim, _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; });
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(racing);

        Assert.Equal(5, runs);
        Assert.Equal(5, results.Count(r => r.Outcome == DecisionOutcome.Allowed));
        Assert.All(results.Where(r => r.Outcome != DecisionOutcome.Allowed), r => Assert.Equal(ReasonCodes.LimitExceeded, r.ReasonCode));
        Assert.Equal(5, (await EventsAsync(stores[0], AuditEventTypes.DecisionAllowed)).Count);
        await AssertOneValidChainAsync(stores[0]);
    }

    /// <summary>A suspension and a new policy recorded on A are honoured by B's next decision.</summary>
    /// <param name="stores">One store object per gate over one new log.</param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task AssertSuspensionAndPolicyGovernOtherInstancesAsync(IReadOnlyList<IAuditStore> stores)
    {
        var (gates, _) = await StartAsync(stores);
        var (a, b) = (gates[0], gates[1]);
        Func<CancellationToken, ValueTask> action = _ => ValueTask.CompletedTask;
        Assert.Equal(DecisionOutcome.Allowed, (await b.InvokeAsync("screener-bot", "coverage.flag@1", Claim, action)).Outcome);

        var bot = a.Policy.Principals["screener-bot"];
        Assert.Empty(await a.RegisterPrincipalAsync(new PrincipalDefinition(bot.Id, bot.Kind, bot.Role, PrincipalStatus.Suspended, bot.Owner)));
        Assert.Equal(ReasonCodes.PrincipalInactive, (await b.InvokeAsync("screener-bot", "coverage.flag@1", Claim, action)).ReasonCode);

        // Version 2 no longer grants coverage.flag: B holds version 1, so it refuses until it has version 2 too.
        var withoutFlag = PolicyText.Split('\n').Where(line => !line.Contains("coverage.flag@1", StringComparison.Ordinal) && !line.Contains("limits:", StringComparison.Ordinal)
            && !line.Contains("per_minute", StringComparison.Ordinal));
        var next = PolicyLoader.Load(string.Join('\n', withoutFlag).Replace("version: \"1\"", "version: \"2\"", StringComparison.Ordinal)).GetPolicyOrThrow();
        await a.ActivatePolicyAsync(next);
        Assert.Equal(ReasonCodes.PolicySuperseded, (await b.InvokeAsync("ops.lead", "coverage.flag@1", Claim, action)).ReasonCode);
        await b.ActivatePolicyAsync(next);
        Assert.Equal(ReasonCodes.SkillNotGranted, (await b.InvokeAsync("ops.lead", "coverage.flag@1", Claim, action)).ReasonCode);
        Assert.Equal(ReasonCodes.SkillNotGranted, (await a.InvokeAsync("ops.lead", "coverage.flag@1", Claim, action)).ReasonCode);
        await AssertOneValidChainAsync(stores[0]);
    }

    private static async Task<(List<ApprovalGate> Gates, FakeTimeProvider Time)> StartAsync(IReadOnlyList<IAuditStore> stores)
    {
        Assert.True(stores.Count >= 3, "the scenarios need three gates");
        var policy = PolicyLoader.Load(PolicyText).GetPolicyOrThrow();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var gates = stores.Select(store => new ApprovalGate(policy, store, time)).ToList();
        foreach (var gate in gates)
        {
            await gate.InitializeAsync();
        }

        return (gates, time);
    }

    /// <summary>Opens a request on <paramref name="a"/>; presents it and approves it on <paramref name="b"/> (dr.a) and <paramref name="c"/> (dr.b).</summary>
    private static async Task<string> OpenApprovedRequestAsync(ApprovalGate a, ApprovalGate b, ApprovalGate c, FakeTimeProvider time)
    {
        var requested = await a.InvokeAsync("screener-bot", "coverage.deny@1", Claim, _ => throw new InvalidOperationException("a gated action ran at invocation"));
        Assert.Equal(DecisionOutcome.ApprovalRequired, requested.Outcome);
        var id = requested.Request!.Id;
        Assert.Equal(ReasonCodes.Presented, (await b.PresentAsync(id, "dr.a")).ReasonCode);
        Assert.Equal(ReasonCodes.Presented, (await c.PresentAsync(id, "dr.b")).ReasonCode);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(ReasonCodes.SignedOff, (await b.ApproveAsync(id, "dr.a", "checked")).ReasonCode);
        Assert.Equal(ReasonCodes.AlreadySigned, (await c.ApproveAsync(id, "dr.a", "again")).ReasonCode);
        Assert.Equal(ReasonCodes.SignedOff, (await c.ApproveAsync(id, "dr.b", "checked")).ReasonCode);
        return id;
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
