using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Tests.Properties;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// The chain's append lock (<see cref="IAuditHeadHold"/>) a decision holds after <see cref="ApprovalGate.HoldHeadAfterAttempts"/>
/// lost heads belongs to that decision: it is held until its record is written and let go once, by it, whatever other
/// calls come to the gate meanwhile (docs/gates.md, "Pipelined decisions"). Let go early, the store's other writers
/// append before the held record and the decision loses the head again; the hold exists so that it cannot.
/// </summary>
public class HeadHoldTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Which call of the test is running: the hold's release says who let go of it.</summary>
    private static readonly AsyncLocal<string?> Caller = new();

    public enum Meanwhile
    {
        /// <summary><see cref="ApprovalGate.RefreshAsync"/>: takes the decision lock and catches up.</summary>
        Refresh,

        /// <summary>A keyed call already answered: decided under the decision lock, answered from the projection, nothing written.</summary>
        KeyedReplay,
    }

    [Theory]
    [InlineData(Meanwhile.Refresh)]
    [InlineData(Meanwhile.KeyedReplay)]
    public async Task The_head_hold_is_let_go_once_by_the_decision_that_took_it_after_its_record_is_written(Meanwhile meanwhile)
    {
        var policy = PolicyLoader.Load(PipelinedGateProperties.Policy(perMinute: 3)).GetPolicyOrThrow();
        await using var inner = new InMemoryAuditStore();
        await using var store = new ContendedStore(inner);
        await using var gate = await ApprovalGate.CreateAsync(policy, store);
        var keyed = await gate.InvokeAsync("p0", "claim.note@1", new JsonObject { ["claim"] = "keyed" }, _ => ValueTask.CompletedTask, idempotencyKey: "k-1");
        Assert.Equal(DecisionOutcome.Allowed, keyed.Outcome);

        // From here on (the gate's own start-up events and the keyed call are written): the next three appends lose the head
        // to another writer, so the decision's fourth try holds the head, and its append waits until the test lets it finish.
        store.LoseNext = ApprovalGate.HoldHeadAfterAttempts;
        var held = As("held", () => gate.InvokeAsync("p1", "claim.note@1", new JsonObject { ["claim"] = "held" }, _ => ValueTask.CompletedTask).AsTask());
        await store.HeldAppendStarted.Task.WaitAsync(Bound);
        Assert.Equal(0, store.LoseNext);
        Assert.Equal(1, store.HoldsTaken);

        // Another call on the same gate while the held decision's append is in flight.
        var other = meanwhile == Meanwhile.Refresh
            ? As("other", async () =>
            {
                await gate.RefreshAsync();
                return (GateResult?)null;
            })
            : As("other", async () => (GateResult?)await gate.InvokeAsync(
                "p0", "claim.note@1", new JsonObject { ["claim"] = "keyed" }, _ => ValueTask.CompletedTask, idempotencyKey: "k-1"));

        store.FinishHeldAppend();
        var result = await held.WaitAsync(Bound);
        var answered = await other.WaitAsync(Bound);

        Assert.Equal(DecisionOutcome.Allowed, result.Outcome);
        if (meanwhile == Meanwhile.KeyedReplay) Assert.True(answered!.IsReplay);
        // One hold, let go once, by the decision that took it, once its record was written: its append under the hold
        // did not lose (only the three appends before it did).
        Assert.Equal(1, store.HoldsTaken);
        var release = Assert.Single(store.Releases);
        Assert.Equal("held", release.Caller);
        Assert.True(release.HeldRecordWritten, "the hold was let go before the held decision's record was written");
        Assert.Equal(ApprovalGate.HoldHeadAfterAttempts, store.Lost);

        var events = new List<AuditEvent>();
        await foreach (var e in inner.ReadAsync()) events.Add(e);
        Assert.Single(events, e => e.EventType == AuditEventTypes.DecisionAllowed && e.Actor.Id == "p1");
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
    }

    private static async Task<T> As<T>(string caller, Func<Task<T>> call)
    {
        Caller.Value = caller;
        return await call();
    }

    /// <summary>
    /// An in-memory log with another writer: it appends before each of the gate's next <see cref="LoseNext"/> appends (which
    /// then lose the head: this store ignores scopes, so any event in between conflicts), waits while the head is held, and
    /// appends as soon as the hold is let go. The first append under a hold waits for <see cref="FinishHeldAppend"/>, as a
    /// database's does for its round trip.
    /// </summary>
    private sealed class ContendedStore(InMemoryAuditStore inner) : IAuditStore, IAuditHeadHold
    {
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private bool _held;
        private bool _heldAppendSeen;
        private bool _heldRecordWritten;

        public int LoseNext { get; set; }

        public int Lost { get; private set; }

        public int HoldsTaken { get; private set; }

        public List<(string? Caller, bool HeldRecordWritten)> Releases { get; } = [];

        public TaskCompletionSource HeldAppendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string InstanceId => inner.InstanceId;

        public void FinishHeldAppend() => _finish.TrySetResult();

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            inner.AppendAsync(entry, cancellationToken);

        public async ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default)
        {
            var underHold = await ContendAsync();
            var written = await inner.TryAppendAsync(entry, expectedLastSeq, cancellationToken);
            if (underHold) _heldRecordWritten = written is not null;
            return written;
        }

        public async ValueTask<IReadOnlyList<AuditEvent>> TryAppendBatchAsync(
            IReadOnlyList<AuditEntry> entries, long expectedLastSeq, AuditAppendScope? scope = null, CancellationToken cancellationToken = default)
        {
            var underHold = await ContendAsync();
            var written = await inner.TryAppendBatchAsync(entries, expectedLastSeq, scope: null, cancellationToken);
            if (underHold) _heldRecordWritten = written.Count > 0;
            return written;
        }

        public ValueTask<IAsyncDisposable?> HoldHeadAsync(CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                if (_held) throw new InvalidOperationException("The head is held already: a second hold would wait for the first forever.");
                _held = true;
                HoldsTaken++;
            }

            return ValueTask.FromResult<IAsyncDisposable?>(new Hold(this));
        }

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(fromSeq, cancellationToken);

        public ValueTask DisposeAsync()
        {
            _finish.TrySetResult();
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// Before one of the gate's appends: the other writer's turn (unless the head is held), or, for the first append under
        /// a hold, the wait for the test. Returns whether it is that first append under the hold.
        /// </summary>
        private async ValueTask<bool> ContendAsync()
        {
            bool first;
            lock (_lock)
            {
                first = _held && !_heldAppendSeen;
                _heldAppendSeen |= first;
            }

            if (first)
            {
                HeldAppendStarted.TrySetResult();
                await _finish.Task;
                return true;
            }

            if (_held || LoseNext == 0) return false;
            LoseNext--;
            Lost++;
            await OtherWriterAppendsAsync();
            return false;
        }

        private ValueTask<AuditEvent> OtherWriterAppendsAsync() => inner.AppendAsync(new AuditEntry
        {
            Actor = new AuditActor("service", "other-writer"),
            EventType = "test.other_writer",
            Payload = new() { ["note"] = "another instance appended first" },
        });

        private sealed class Hold(ContendedStore store) : IAsyncDisposable
        {
            private int _released;

            public async ValueTask DisposeAsync()
            {
                if (Interlocked.Exchange(ref _released, 1) != 0) return;
                lock (store._lock)
                {
                    store.Releases.Add((Caller.Value, store._heldRecordWritten));
                    store._held = false;
                }

                // The writer that waited for the hold appends at once.
                await store.OtherWriterAppendsAsync();
            }
        }
    }
}
