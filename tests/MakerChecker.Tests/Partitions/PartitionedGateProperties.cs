using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Properties;
using static MakerChecker.Tests.Properties.GateScenario;

namespace MakerChecker.Tests.Partitions;

/// <summary>
/// The gate's invariants over random interleavings of calls routed across 2 to 4 chains by a <see cref="Partitions.PartitionedGate"/>
/// (in memory): limits never exceeded, separation of duties, distinct eligible approvers and execute-once all hold, and
/// every call gets the result one gate over one chain would have given it.
/// </summary>
public class PartitionedGateProperties
{
    private const int Cases = 1000;

    [Property(MaxTest = Cases)]
    public Property A_partitioned_gate_behaves_as_one_gate_over_one_chain() =>
        Prop.ForAll(GateScenario.Arbitrary, s =>
        {
            var t = s.Run(partitions: 2 + (s.Seed % 3));
            var (sameResults, invariants) = GateProperties.AsOneGate(s, t);
            var routed = Routed(t);
            return (sameResults && invariants && routed).Label($"same results as one gate: {sameResults}; invariants: {invariants}; routed: {routed}");
        });

    /// <summary>
    /// Each principal's invocations all land on its own chain (so its limits are counted in one place), and each request's
    /// sign-offs and execution on the request's chain (so its separation of duties and execute-once are judged in one place).
    /// </summary>
    private static bool Routed(Trace t)
    {
        var gate = t.Partitioned!;
        for (var i = 0; i < t.Chains.Count; i++)
        {
            var chain = gate.Chains[i];
            var store = t.Chains[i];
            var invokers = store.OfType(AuditEventTypes.DecisionAllowed).Concat(store.OfType(AuditEventTypes.ApprovalRequested))
                .Concat(store.OfType(AuditEventTypes.BreakGlassInvoked)).Select(e => e.Actor.Id);
            if (invokers.Any(who => gate.ChainOf(who) != chain)) return false;
            var onRequests = store.OfType(AuditEventTypes.ApprovalDecided).Concat(store.OfType(AuditEventTypes.ActionStarted)).Select(e => e.EntityId!);
            if (onRequests.Any(id => gate.ChainOfId(id) != chain)) return false;
        }

        return true;
    }

    /// <summary>The partitioned runs reach what the properties are about, on more than one chain.</summary>
    [Fact]
    public void The_partitioned_scenarios_reach_sign_offs_executions_and_limits_on_several_chains()
    {
        var traces = Enumerable.Range(0, 300).Select(seed => FromSeed(seed).Run(partitions: 3)).ToList();
        Assert.True(traces.Sum(t => t.Runs.Count(r => r.Kind == "execute")) >= 10, "executions of approved requests");
        Assert.True(traces.Sum(t => t.SignOffs.Count) >= 50, "accepted sign-offs");
        Assert.Contains(traces.SelectMany(t => t.Results), r => r.Result.ReasonCode == ReasonCodes.LimitExceeded);
        Assert.Contains(traces, t => t.Chains.Count(c => c.OfType(AuditEventTypes.ApprovalRequested).Any()) >= 2);
    }
}
