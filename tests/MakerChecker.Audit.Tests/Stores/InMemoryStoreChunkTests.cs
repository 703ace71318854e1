using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// The in-memory store keeps its events in an index of chunks that are never copied (<see cref="StoredEventLog"/>; 64 events,
/// then each chunk twice as large up to 4,096): reads, appends on an expected seq and the scope check must see one log in
/// seq order across chunk boundaries.
/// </summary>
public sealed class InMemoryStoreChunkTests
{
    private const int Chunk = StoredEventLog.ChunkSize;

    /// <summary>Where chunk 6, the last growing one (4,096 events), starts: index 4,032.</summary>
    private const int LastGrowingStart = StoredEventLog.FirstChunkSize * ((1 << 6) - 1);

    /// <summary>Where the first chunk of the full size starts (after 64 + 128 + ... + 4,096 events): index 8,128.</summary>
    private const int FullStart = StoredEventLog.FirstChunkSize * ((1 << 7) - 1);

    [Fact]
    public void Chunks_start_where_the_previous_one_is_full()
    {
        Assert.Equal((0, 0), StoredEventLog.Locate(0));
        Assert.Equal((0, 63), StoredEventLog.Locate(63));
        Assert.Equal((1, 0), StoredEventLog.Locate(64));
        Assert.Equal((1, 127), StoredEventLog.Locate(191));
        Assert.Equal((2, 0), StoredEventLog.Locate(192));
        Assert.Equal((6, 0), StoredEventLog.Locate(LastGrowingStart));
        Assert.Equal((6, Chunk - 1), StoredEventLog.Locate(FullStart - 1));
        Assert.Equal((7, 0), StoredEventLog.Locate(FullStart));
        Assert.Equal((8, 0), StoredEventLog.Locate(FullStart + Chunk));
        Assert.Equal((9, 5), StoredEventLog.Locate(FullStart + (2 * Chunk) + 5));
    }

    [Fact]
    public void The_log_holds_every_event_at_its_index_across_chunks()
    {
        var log = new StoredEventLog();
        var events = new List<StoredEvent>();
        for (var i = 0; i < FullStart + Chunk + 7; i++) events.Add(Event(i + 1, i == 0 ? default : events[i - 1].Hash));
        foreach (var e in events) log.Add(e);

        Assert.Equal(events.Count, log.Count);
        for (var i = 0; i < events.Count; i++) StoredEventAssert.Equal(events[i], log[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[events.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => log[-1]);
    }

    [Fact]
    public async Task Reads_from_any_seq_cross_chunk_boundaries_in_chain_order()
    {
        await using var store = new InMemoryAuditStore();
        var total = FullStart + 3; // genesis + appended
        for (var i = 1; i < total; i++) await store.AppendAsync(Entry("user-" + i, "test.appended"));

        // Seq s is at index s - 1: read from the last event of a chunk, the first of the next and the one after.
        long[] froms = [1, 64, 65, 66, 192, 193, LastGrowingStart, LastGrowingStart + 1, LastGrowingStart + 2, FullStart, FullStart + 1, FullStart + 2, total];
        foreach (var from in froms)
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
        for (var i = 1; i < LastGrowingStart - 1; i++) await store.AppendAsync(Entry("user-" + i, "test.appended"));
        var expected = (long)LastGrowingStart - 1; // the head; the events after it land in the next chunk
        await store.AppendAsync(Entry("other", "test.appended"));
        await store.AppendAsync(Entry("rival", "decision.allowed"));

        // Moved head, no scope: refused. A scope the events after the expected seq do not touch: appended on the head.
        Assert.Null(await store.TryAppendAsync(Entry("me", "test.appended"), expected));
        var counted = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 0 }, ["decision.allowed"]);
        Assert.Empty(await store.TryAppendBatchAsync([Entry("me", "test.appended")], expected, counted));
        var budgetOfOne = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 1 }, ["decision.allowed"]);
        var written = Assert.Single(await store.TryAppendBatchAsync([Entry("me", "test.appended")], expected, budgetOfOne));
        Assert.Equal(LastGrowingStart + 2, written.Seq);
        Assert.Equal(LastGrowingStart + 3, (await store.TryAppendAsync(Entry("me", "test.appended"), LastGrowingStart + 2))?.Seq ?? -1);
    }

    private static AuditEntry Entry(string actor, string type) =>
        new() { Actor = new AuditActor("user", actor), EventType = type, Payload = new JsonObject { ["n"] = 1 } };

    /// <summary>An event whose every field and hash says which one it is.</summary>
    private static StoredEvent Event(long seq, Hash32 prevHash)
    {
        var hash = default(Hash32);
        BitConverter.TryWriteBytes(hash, seq);
        byte[] Text(string field) => System.Text.Encoding.UTF8.GetBytes($"\"{field}-{seq}\"");
        return new StoredEvent
        {
            Seq = seq, Id = Text("id"), OccurredAt = Text("at"), Actor = Text("actor"), EventType = Text("type"), EntityType = Text("entity"),
            EntityId = Text("entity-id"), RunId = Text("run"), Payload = Text("payload"), PrevHash = prevHash, Hash = hash,
        };
    }
}
