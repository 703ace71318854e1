using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// The in-memory store keeps its events in chunks that are never copied (<see cref="StoredEventLog"/>): reads, appends on an
/// expected seq and the scope check must see one log in seq order across chunk boundaries.
/// </summary>
public sealed class InMemoryStoreChunkTests
{
    private const int Chunk = StoredEventLog.ChunkSize;

    [Fact]
    public void The_log_holds_every_event_at_its_index_across_chunks()
    {
        var log = new StoredEventLog();
        var events = Enumerable.Range(0, (3 * Chunk) + 7).Select(i => Event(i + 1)).ToList();
        foreach (var e in events) log.Add(e);

        Assert.Equal(events.Count, log.Count);
        for (var i = 0; i < events.Count; i++) Assert.Same(events[i], log[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[events.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[-1]);
    }

    [Fact]
    public async Task Reads_from_any_seq_cross_chunk_boundaries_in_chain_order()
    {
        await using var store = new InMemoryAuditStore();
        var total = (2 * Chunk) + 3; // genesis + appended
        for (var i = 1; i < total; i++) await store.AppendAsync(Entry("user-" + i, "test.appended"));

        foreach (var from in new long[] { 1, Chunk - 1, Chunk, Chunk + 1, 2 * Chunk, (2 * Chunk) + 1, total })
        {
            var read = new List<AuditEvent>();
            await foreach (var e in store.ReadAsync(from)) read.Add(e);
            Assert.Equal(Enumerable.Range((int)from, total - (int)from + 1).Select(s => (long)s), read.Select(e => e.Seq));
            for (var i = 1; i < read.Count; i++) Assert.Equal(read[i - 1].Hash, read[i].PrevHash);
            if (from > 1) Assert.Equal("user-" + (from - 1), read[0].Actor.Id);
        }
    }

    [Fact]
    public async Task Appends_on_an_expected_seq_and_the_scope_check_read_events_in_later_chunks()
    {
        await using var store = new InMemoryAuditStore();
        for (var i = 1; i < Chunk - 1; i++) await store.AppendAsync(Entry("user-" + i, "test.appended"));
        var expected = (long)Chunk - 1; // the head; the events after it land in the next chunk
        await store.AppendAsync(Entry("other", "test.appended"));
        await store.AppendAsync(Entry("rival", "decision.allowed"));

        // Moved head, no scope: refused. A scope the events after the expected seq do not touch: appended on the head.
        Assert.Null(await store.TryAppendAsync(Entry("me", "test.appended"), expected));
        var counted = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 0 }, ["decision.allowed"]);
        Assert.Empty(await store.TryAppendBatchAsync([Entry("me", "test.appended")], expected, counted));
        var budgetOfOne = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 1 }, ["decision.allowed"]);
        var written = Assert.Single(await store.TryAppendBatchAsync([Entry("me", "test.appended")], expected, budgetOfOne));
        Assert.Equal(Chunk + 2, written.Seq);
        Assert.Equal(Chunk + 3, (await store.TryAppendAsync(Entry("me", "test.appended"), Chunk + 2))?.Seq ?? -1);
    }

    private static AuditEntry Entry(string actor, string type) =>
        new() { Actor = new AuditActor("user", actor), EventType = type, Payload = new JsonObject { ["n"] = 1 } };

    private static StoredEvent Event(long seq) => new()
    {
        Seq = seq, Id = [], OccurredAt = [], Actor = [], EventType = [], EntityType = [], EntityId = [], RunId = [], Payload = [],
        PrevHash = default, Hash = default,
    };
}
