using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// Two store objects (two processes' stores) appending to one chain. A store's write transaction reads the events the
/// other wrote since its own last commit, under the lock, and checks a batch's scope against them; a read from its last
/// head then gives exactly the log, including what was appended after that transaction.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlTwoWritersTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private static readonly AuditAppendScope Scope = new(["test.policy"], new Dictionary<string, int> { ["bot"] = 1 }, ["test.counted"]);

    [StoreFact]
    public async Task A_batch_past_the_other_writers_events_is_checked_against_them_and_reads_after_it_are_the_log()
    {
        var schema = await server.NewSchemaAsync();
        await using var a = await PostgreSqlAuditStore.OpenAsync(schema);
        await using var b = await PostgreSqlAuditStore.OpenAsync(schema);
        await a.AppendAsync(Entry("a", "test.recorded"));
        await b.AppendAsync(Entry("b", "test.recorded"));
        var seen = await a.AppendAsync(Entry("a", "test.recorded")); // a now knows that another writer appends to its log
        await b.AppendAsync(Entry("bot", "test.counted")); // within bot's budget of 1
        await b.AppendAsync(Entry("someone", "test.counted"));
        var moved = await b.AppendAsync(Entry("b", "test.recorded"));

        var written = await a.TryAppendBatchAsync([Entry("a", "test.recorded"), Entry("a", "test.recorded")], seen.Seq, Scope);

        Assert.Equal(2, written.Count);
        Assert.Equal((moved.Seq + 1, moved.Hash), (written[0].Seq, written[0].PrevHash));
        await AssertReadsTheLogAsync(schema, a, seen.Seq + 1);
        var later = await b.AppendAsync(Entry("b", "test.recorded")); // after a's transaction: the read goes on to the database for it
        Assert.Equal(later.Hash, (await AssertReadsTheLogAsync(schema, a, seen.Seq + 1))[^1].Hash);
        await AssertReadsTheLogAsync(schema, a, written[1].Seq);

        // Two of bot's counted events since a's head: over its budget, so nothing is written.
        var head = written[1].Seq;
        await b.AppendAsync(Entry("bot", "test.counted"));
        await b.AppendAsync(Entry("bot", "test.counted"));
        Assert.Empty(await a.TryAppendBatchAsync([Entry("a", "test.recorded")], head, Scope));

        // A type that conflicts whoever wrote it.
        var last = (await ReadAllAsync(a, 1))[^1];
        await b.AppendAsync(Entry("admin", "test.policy"));
        Assert.Empty(await a.TryAppendBatchAsync([Entry("a", "test.recorded")], last.Seq, Scope));

        // Within the budget again, past several of b's events at once: written after them.
        last = (await ReadAllAsync(a, 1))[^1];
        await b.AppendAsync(Entry("bot", "test.counted"));
        var other = await b.AppendAsync(Entry("someone", "test.counted"));
        Assert.Equal(other.Hash, Assert.Single(await a.TryAppendBatchAsync([Entry("a", "test.recorded")], last.Seq, Scope)).PrevHash);
        await AssertReadsTheLogAsync(schema, a, last.Seq + 1);

        var verdict = await AuditStoreVerifier.VerifyAsync(a);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(16, verdict.EventCount);
    }

    /// <summary>What <paramref name="store"/> reads from <paramref name="from"/> equals what a store opened afresh reads.</summary>
    private static async Task<List<AuditEvent>> AssertReadsTheLogAsync(string schema, PostgreSqlAuditStore store, long from)
    {
        await using var fresh = await PostgreSqlAuditStore.OpenReadOnlyAsync(schema);
        var expected = await ReadAllAsync(fresh, from);
        var actual = await ReadAllAsync(store, from);
        Assert.Equal(
            expected.Select(e => (e.Seq, e.Hash, e.PrevHash, e.EventType, e.Actor.Id)),
            actual.Select(e => (e.Seq, e.Hash, e.PrevHash, e.EventType, e.Actor.Id)));
        Assert.Equal(expected.Select(e => e.Payload.GetRawText()), actual.Select(e => e.Payload.GetRawText()));
        return actual;
    }

    private static async Task<List<AuditEvent>> ReadAllAsync(IAuditStore store, long from)
    {
        var all = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(from)) all.Add(e);
        return all;
    }

    private static AuditEntry Entry(string actor, string eventType) => new()
    {
        Actor = new AuditActor("service", actor),
        EventType = eventType,
        EntityType = "claim",
        EntityId = "claim-1",
        Payload = new JsonObject { ["by"] = actor, ["text"] = "é ✓" },
    };
}
