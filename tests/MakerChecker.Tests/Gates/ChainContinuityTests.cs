using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// The gate applies only events that continue the chain it has applied: an append that comes back from another chain
/// (a store swapped under it, a misrouted connection) is refused, and the action does not run.
/// </summary>
public class ChainContinuityTests
{
    [Fact]
    public async Task An_appended_event_from_another_chain_is_refused_and_the_action_does_not_run()
    {
        await using var original = new InMemoryAuditStore("chain-a");
        await using var other = new InMemoryAuditStore("chain-b");
        await using var store = new SwitchingStore(original);
        await using var gate = new ApprovalGate(BuildPolicy(), store);
        await gate.InitializeAsync();
        var runs = 0;

        // Chain-b brought to the same length: the next append has the seq the gate expects, but follows chain-b's head.
        var length = await original.ReadAsync().CountAsync();
        for (var i = 1; i < length; i++)
        {
            await other.AppendAsync(new AuditEntry { Actor = AuditActor.System, EventType = "test.filler", Payload = [] });
        }
        store.Target = other;
        var refused = await Assert.ThrowsAsync<AuditStoreException>(async () =>
            await gate.InvokeAsync("bot", Flag, Claim(), _ => { runs++; return ValueTask.CompletedTask; }));
        Assert.Contains("does not continue the chain", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task Events_of_the_same_chain_read_by_another_store_instance_continue_it()
    {
        await using var original = new InMemoryAuditStore("chain-a");
        await using var store = new SwitchingStore(original);
        await using var gate = new ApprovalGate(BuildPolicy(), store);
        await gate.InitializeAsync();
        Assert.Equal("allowed", (await gate.InvokeAsync("bot", Flag, Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
        Assert.Equal("allowed", (await gate.InvokeAsync("bot", Flag, Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
    }

    /// <summary>Appends go to <see cref="Target"/>, which the test can switch; reads come from the original chain.</summary>
    private sealed class SwitchingStore(InMemoryAuditStore original) : IAuditStore
    {
        public IAuditStore Target { get; set; } = original;

        public string InstanceId => original.InstanceId;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            Target.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
            Target.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

        public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var e in original.ReadAsync(fromSeq, cancellationToken)) yield return e;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
