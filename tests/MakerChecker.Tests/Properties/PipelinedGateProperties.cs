using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Properties;

/// <summary>
/// Pipelined invocations (docs/gates.md, "Pipelined decisions"): several gates over one log, many concurrent callers each,
/// so that decisions are staged on top of others in flight and batches are written past other gates' events. Limits
/// stay exact (per principal, exactly the ceiling is allowed, or every call when fewer were made), every allowed action
/// runs once with one outcome recorded, and a gate started afterwards from the log agrees.
/// </summary>
public class PipelinedGateProperties
{
    private sealed record Case(int Gates, int PerMinute, (int Gate, int Principal, bool Limited)[] Calls)
    {
        public override string ToString() =>
            $"{Gates} gates, per_minute {PerMinute}, calls [{string.Join(", ", Calls.Select(c => $"g{c.Gate}/p{c.Principal}/{(c.Limited ? "L" : "U")}"))}]";
    }

    private static readonly Arbitrary<Case> Cases = Arb.From(
        from gates in Gen.Choose(1, 3)
        from perMinute in Gen.Choose(1, 6)
        from count in Gen.Choose(1, 40)
        from calls in Gen.ArrayOf(
            from gate in Gen.Choose(0, gates - 1)
            from principal in Gen.Choose(0, 2)
            from limited in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            select (gate, principal, limited), count)
        select new Case(gates, perMinute, calls));

    /// <summary>Three screeners, a skill limited per minute and one unlimited (also used by PipelinedFastPathTests).</summary>
    internal static string Policy(int perMinute) => $"""
        policy:
          name: pipelined
          version: "1"
        skills:
          - skill: claim.flag
            versions: [1]
            risk: low
          - skill: claim.note
            versions: [1]
            risk: low
        roles:
          - role: screener
            grants:
              - skill: claim.flag@1
                limits:
                  per_minute: {perMinute}
              - skill: claim.note@1
        principals:
          - id: p0
            kind: human
            role: screener
          - id: p1
            kind: human
            role: screener
          - id: p2
            kind: human
            role: screener
        """;

    [Property(MaxTest = 1000)]
    public Property Concurrent_pipelined_invocations_over_several_gates_keep_limits_exact_and_run_each_action_once() =>
        Prop.ForAll(Cases, c => RunAsync(c).GetAwaiter().GetResult());

    private static async Task<bool> RunAsync(Case c)
    {
        var policy = PolicyLoader.Load(Policy(c.PerMinute)).GetPolicyOrThrow();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var store = new InMemoryAuditStore(timeProvider: time);
        var gates = new List<ApprovalGate>();
        for (var g = 0; g < c.Gates; g++) gates.Add(await ApprovalGate.CreateAsync(policy, store, time));
        var ran = new int[c.Calls.Length];
        var results = await Task.WhenAll(c.Calls.Select((call, i) => Task.Run(async () => await gates[call.Gate].InvokeAsync(
            $"p{call.Principal}", call.Limited ? "claim.flag@1" : "claim.note@1", new JsonObject { ["claim"] = i }, _ =>
            {
                Interlocked.Increment(ref ran[i]);
                return ValueTask.CompletedTask;
            }))));

        for (var p = 0; p < 3; p++)
        {
            var limited = c.Calls.Select((call, i) => (call, i)).Where(x => x.call.Principal == p && x.call.Limited).Select(x => results[x.i]).ToList();
            if (limited.Count(r => r.Outcome == DecisionOutcome.Allowed) != Math.Min(c.PerMinute, limited.Count))
            {
                return Fail($"p{p}: {limited.Count(r => r.Outcome == DecisionOutcome.Allowed)} of {limited.Count} allowed, limit {c.PerMinute}: " +
                    string.Join(", ", limited.Select(r => r.ReasonCode)));
            }

            if (limited.FirstOrDefault(r => r.Outcome != DecisionOutcome.Allowed && r.ReasonCode != ReasonCodes.LimitExceeded) is { } odd)
            {
                return Fail($"p{p}: refused {odd.ReasonCode}");
            }
        }

        if (c.Calls.Select((call, i) => (call, i)).Any(x => !x.call.Limited && results[x.i].Outcome != DecisionOutcome.Allowed))
        {
            return Fail("an unlimited call was refused");
        }

        for (var i = 0; i < ran.Length; i++)
        {
            if (ran[i] != (results[i].Outcome == DecisionOutcome.Allowed ? 1 : 0)) return Fail($"call {i} ran its action {ran[i]} times");
        }

        var allowed = results.Count(r => r.Outcome == DecisionOutcome.Allowed);
        var outcomes = 0;
        await foreach (var e in store.ReadAsync())
        {
            if (e.EventType == "action.executed") outcomes++;
        }

        if (outcomes != allowed) return Fail($"{outcomes} outcomes recorded for {allowed} allowed calls");
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        if (!verdict.IsValid) return Fail(verdict.Reason!);

        // A gate started from the log counts what was allowed: one more call is refused exactly where the ceiling was reached.
        await using var fresh = await ApprovalGate.CreateAsync(policy, store, time);
        for (var p = 0; p < 3; p++)
        {
            var used = c.Calls.Select((call, i) => (call, i)).Count(x => x.call.Principal == p && x.call.Limited && results[x.i].Outcome == DecisionOutcome.Allowed);
            var next = await fresh.InvokeAsync($"p{p}", "claim.flag@1", new JsonObject { ["claim"] = -1 }, _ => ValueTask.CompletedTask);
            if ((next.Outcome == DecisionOutcome.Allowed) != (used < c.PerMinute)) return Fail($"p{p}: a replaying gate says {next.ReasonCode} after {used} allowed");
        }

        foreach (var gate in gates) await gate.DisposeAsync();
        return true;
    }

    private static bool Fail(string what) => throw new InvalidOperationException(what);
}
