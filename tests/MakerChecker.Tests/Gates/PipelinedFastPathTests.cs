using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Tests.Properties;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// A pipelined decision whose store answers at once (in memory) is settled without releasing the decision lock
/// (docs/gates.md, "Pipelined decisions"). It must record and decide exactly what the path through a store that yields
/// does: the same events, in the same order, with the same results, also when another gate's events come in between
/// (written past them) or conflict with the batch (lost, decided again).
/// </summary>
public class PipelinedFastPathTests
{
    private static readonly string PolicyYaml = PipelinedGateProperties.Policy(perMinute: 3);

    [Fact]
    public async Task An_invocation_on_a_store_that_answers_at_once_completes_without_waiting()
    {
        await using var store = new InMemoryAuditStore();
        await using var gate = await ApprovalGate.CreateAsync(PolicyLoader.Load(PolicyYaml).GetPolicyOrThrow(), store);
        var ran = 0;

        var invocation = gate.InvokeAsync("p0", "claim.note@1", new JsonObject { ["claim"] = 1 }, _ =>
        {
            ran++;
            return ValueTask.CompletedTask;
        });

        // Nothing in flight and the append answered at once: decided, recorded, run and its outcome recorded inline.
        Assert.True(invocation.IsCompletedSuccessfully);
        Assert.Equal("allowed", (await invocation).ReasonCode);
        Assert.Equal(1, ran);
        var types = new List<string>();
        await foreach (var e in store.ReadAsync()) types.Add(e.EventType);
        Assert.Equal(["decision.allowed", "action.executed"], types.TakeLast(2));
    }

    /// <summary>
    /// A store whose batch appends answer at once, and the in-memory store written to directly (the gate's own path: the
    /// event it keeps, settled without a state machine when it follows the last event applied), against one that yields.
    /// </summary>
    [Theory]
    [InlineData(Pace.AtOnce)]
    [InlineData(Pace.Direct)]
    public async Task A_store_that_answers_at_once_records_and_decides_the_same_as_one_that_yields(Pace pace)
    {
        var (syncResults, syncLog) = await RunAsync(pace);
        var (yieldResults, yieldLog) = await RunAsync(Pace.Yields);

        Assert.Equal(yieldResults, syncResults);
        Assert.Equal(yieldLog, syncLog);
        // The scenario reaches both ends: a call refused at the limit, and a batch lost to the other gate and decided again.
        Assert.Contains("a:p0:claim.flag@1:limit_exceeded", syncResults);
        Assert.Contains("a:p0:claim.note@1:action_failed", syncResults);
    }

    /// <summary>How the gates reach the log: the in-memory store itself, or through a store whose batches answer at once or yield.</summary>
    public enum Pace
    {
        Direct,
        AtOnce,
        Yields,
    }

    /// <summary>
    /// Two gates on one log, called one after the other, so that each decides on a projection the other has moved: the
    /// results, and the log with the gate's random ids replaced by the order they first appear in.
    /// </summary>
    private static async Task<(List<string> Results, List<string> Log)> RunAsync(Pace pace)
    {
        var policy = PolicyLoader.Load(PolicyYaml).GetPolicyOrThrow();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var ids = 0;
        await using var inner = new InMemoryAuditStore("fast-path", time, () => new Guid(++ids, 0, 0, new byte[8]));
        await using var paced = new PacedStore(inner, pace == Pace.Yields);
        IAuditStore store = pace == Pace.Direct ? inner : paced;
        await using var a = await ApprovalGate.CreateAsync(policy, store, time);
        await using var b = await ApprovalGate.CreateAsync(policy, store, time);
        var results = new List<string>();

        async Task Call(string name, ApprovalGate gate, string principal, string skill, bool fails = false)
        {
            try
            {
                var result = await gate.InvokeAsync(principal, skill, new JsonObject { ["claim"] = results.Count }, _ =>
                    fails ? throw new InvalidOperationException("the action failed") : ValueTask.CompletedTask);
                results.Add($"{name}:{principal}:{skill}:{result.ReasonCode}");
            }
            catch (InvalidOperationException)
            {
                results.Add($"{name}:{principal}:{skill}:action_failed");
            }

            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await Call("a", a, "p0", "claim.flag@1");
        await Call("b", b, "p1", "claim.flag@1"); // written past a's events: another principal's
        await Call("b", b, "p0", "claim.flag@1"); // written past nothing new: b has caught up
        await Call("b", b, "p0", "claim.flag@1");
        await Call("a", a, "p0", "claim.flag@1"); // a's headroom for p0 is 1, b counted 2 in between: lost, decided again
        await Call("a", a, "p1", "claim.note@1");
        await Call("a", a, "p0", "claim.note@1", fails: true);

        var log = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in inner.ReadAsync())
        {
            var line = $"{e.Seq} {e.Id} {e.OccurredAt} {e.Actor.Id} {e.EventType} {e.EntityType} {e.EntityId} {e.Payload.GetRawText()}";
            if (e.EntityId is { } entity && !names.ContainsKey(entity)) names[entity] = $"<entity {names.Count}>";
            foreach (var (id, name) in names) line = line.Replace(id, name, StringComparison.Ordinal);
            log.Add(line);
        }

        return (results, log);
    }

    /// <summary>The inner store; its batch appends answer at once, or only after yielding the thread.</summary>
    private sealed class PacedStore(IAuditStore inner, bool yields) : IAuditStore
    {
        public string InstanceId => inner.InstanceId;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
            inner.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

        public ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
            IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null, CancellationToken cancellationToken = default) =>
            yields ? YieldThenAppendAsync(entries, expectedLastSeq, scope, cancellationToken)
                : inner.TryAppendBatchAsync(entries, expectedLastSeq, scope, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(fromSeq, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private async ValueTask<IReadOnlyList<AuditEvent>> YieldThenAppendAsync(
            IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return await inner.TryAppendBatchAsync(entries, expectedLastSeq, scope, cancellationToken);
        }
    }
}
