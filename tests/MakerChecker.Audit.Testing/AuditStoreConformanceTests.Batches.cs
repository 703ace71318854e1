using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>Batches of conditional appends (<see cref="IAuditStore.TryAppendBatchAsync"/>), with and without a scope.</summary>
public abstract partial class AuditStoreConformanceTests
{
    /// <summary>
    /// Whether the store checks an <see cref="AuditAppendScope"/> (the in-memory, SQLite and PostgreSQL stores do): then a
    /// scoped batch whose head moved past events that do not conflict with it must be written after them. A store that
    /// does not may refuse it; no store may write one past a conflicting event.
    /// </summary>
    protected virtual bool ChecksAppendScope => false;

    /// <summary>A batch on the head is chained directly after it, one event after the other; on a stale head nothing of it is written.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_batch_on_the_head_is_chained_after_it_and_on_a_stale_head_writes_nothing()
    {
        await using var store = await CreateAsync();
        var head = await store.AppendAsync(Entry(0));
        var batch = await store.TryAppendBatchAsync([Entry(1), Entry(2), Entry(3)], head.Seq);
        Assert.Equal(3, batch.Count);
        var previous = head;
        foreach (var e in batch)
        {
            Assert.Equal((previous.Seq + 1, previous.Hash), (e.Seq, e.PrevHash));
            previous = e;
        }

        var before = await ReadAllAsync(store);
        Assert.Empty(await store.TryAppendBatchAsync([Entry(4), Entry(5)], head.Seq));
        Assert.Empty(await store.TryAppendBatchAsync([Entry(6)], previous.Seq + 1));
        Assert.Equal(before.Select(e => e.Hash), (await ReadAllAsync(store)).Select(e => e.Hash));
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(5, verdict.EventCount);
    }

    /// <summary>
    /// A scoped batch whose head moved: written after the events in between when none conflicts (a store that checks scopes
    /// must), never when one does: an event type the scope names, or more of an actor's counted events than its budget.
    /// </summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_scoped_batch_is_written_past_events_it_does_not_depend_on_and_never_past_a_conflicting_one()
    {
        await using var store = await CreateAsync();
        var scope = new AuditAppendScope(["test.policy"], new Dictionary<string, int> { ["bot"] = 1 }, ["test.counted"]);
        var seen = await store.AppendAsync(Entry(0));
        await store.AppendAsync(Other("bot", "test.counted")); // within bot's budget of 1
        await store.AppendAsync(Other("someone", "test.counted")); // not a budgeted actor
        var moved = await store.AppendAsync(Entry(1)); // another actor, another type
        var written = await store.TryAppendBatchAsync([Entry(2), Entry(3)], seen.Seq, scope);
        if (ChecksAppendScope)
        {
            Assert.Equal(2, written.Count);
            Assert.Equal((moved.Seq + 1, moved.Hash), (written[0].Seq, written[0].PrevHash));
            Assert.Equal(written[0].Hash, written[1].PrevHash);
        }
        else
        {
            Assert.True(written.Count == 0 || written[0].PrevHash == moved.Hash, "a batch was written elsewhere than on the head");
        }

        await store.AppendAsync(Other("bot", "test.counted"));
        var before = await ReadAllAsync(store);
        Assert.Empty(await store.TryAppendBatchAsync([Entry(4)], seen.Seq, scope)); // two of bot's counted events since seen
        var policyAt = await store.AppendAsync(Other("admin", "test.policy"));
        Assert.Empty(await store.TryAppendBatchAsync([Entry(5)], policyAt.Seq - 1, scope)); // a type that conflicts whoever wrote it
        Assert.Equal(before.Select(e => e.Hash).Append(policyAt.Hash), (await ReadAllAsync(store)).Select(e => e.Hash));

        var onHead = await store.TryAppendBatchAsync([Entry(6)], policyAt.Seq, scope);
        Assert.Equal(policyAt.Hash, Assert.Single(onHead).PrevHash);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }

    /// <summary>
    /// A scoped batch of one (a gate's lone decision, which a store may append on a shorter path) is written past events it
    /// does not depend on exactly as a longer batch is, and never past a conflicting one.
    /// </summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_scoped_batch_of_one_is_written_past_events_it_does_not_depend_on_and_never_past_a_conflicting_one()
    {
        await using var store = await CreateAsync();
        var scope = new AuditAppendScope(["test.policy"], new Dictionary<string, int> { ["bot"] = 1 }, ["test.counted"]);
        var seen = await store.AppendAsync(Entry(0));
        await store.AppendAsync(Other("bot", "test.counted"));
        var moved = await store.AppendAsync(Other("someone", "test.counted"));
        var written = await store.TryAppendBatchAsync([Entry(1)], seen.Seq, scope);
        if (ChecksAppendScope)
        {
            Assert.Equal((moved.Seq + 1, moved.Hash), (Assert.Single(written).Seq, written[0].PrevHash));
        }
        else
        {
            Assert.True(written.Count == 0 || written[0].PrevHash == moved.Hash, "a batch of one was written elsewhere than on the head");
        }

        var conflicting = await store.AppendAsync(Other("bot", "test.counted"));
        Assert.Empty(await store.TryAppendBatchAsync([Entry(2)], seen.Seq, scope)); // two of bot's counted events since seen
        Assert.Empty(await store.TryAppendBatchAsync([Entry(3)], conflicting.Seq - 1, scope: null)); // no scope: plain compare-and-append
        Assert.Equal(conflicting.Hash, (await ReadAllAsync(store))[^1].Hash);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }

    private static AuditEntry Other(string actor, string eventType) => new()
    {
        Actor = new AuditActor("service", actor),
        EventType = eventType,
        Payload = new System.Text.Json.Nodes.JsonObject { ["by"] = actor },
    };
}
