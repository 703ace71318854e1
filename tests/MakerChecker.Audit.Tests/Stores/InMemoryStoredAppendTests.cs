using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// The gate's internal append path to the in-memory store (<see cref="IStoredEventAppender"/>) appends exactly as a batch of
/// one through <see cref="IAuditStore.TryAppendBatchAsync"/>: on the expected seq, or past later events the scope allows.
/// </summary>
public sealed class InMemoryStoredAppendTests
{
    [Fact]
    public async Task The_event_returned_is_the_one_kept_on_the_head()
    {
        await using var store = new InMemoryAuditStore();
        var stored = await Direct(store).TryAppendStoredAsync(Entry("me", "test.appended"), 1, null, default);

        Assert.NotNull(stored);
        Assert.Equal(2, stored.Seq);
        var read = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync()) read.Add(e);
        Assert.Equal(2, read.Count);
        Assert.Equal(read[1].Hash, stored.Hash.ToHex());
        Assert.Equal(read[0].Hash, stored.PrevHash.ToHex());
        Assert.Equal("me", StoredEvent.DecodeActorId(stored.Actor));
    }

    [Fact]
    public async Task A_moved_head_is_refused_without_a_scope_and_passed_only_within_one()
    {
        await using var store = new InMemoryAuditStore();
        await store.AppendAsync(Entry("rival", "decision.allowed")); // seq 2: the head moved past seq 1
        var direct = Direct(store);

        Assert.Null(await direct.TryAppendStoredAsync(Entry("me", "test.appended"), 1, null, default));
        var spent = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 0 }, ["decision.allowed"]);
        Assert.Null(await direct.TryAppendStoredAsync(Entry("me", "test.appended"), 1, spent, default));
        var policy = new AuditAppendScope(["decision.allowed"], new Dictionary<string, int>(), []);
        Assert.Null(await direct.TryAppendStoredAsync(Entry("me", "test.appended"), 1, policy, default));

        var roomForOne = new AuditAppendScope([], new Dictionary<string, int> { ["rival"] = 1 }, ["decision.allowed"]);
        var stored = await direct.TryAppendStoredAsync(Entry("me", "test.appended"), 1, roomForOne, default);
        Assert.Equal(3, stored?.Seq);
        Assert.Null(await direct.TryAppendStoredAsync(Entry("me", "test.appended"), 5, roomForOne, default)); // past the head
    }

    private static IStoredEventAppender Direct(InMemoryAuditStore store) => store;

    private static AuditEntry Entry(string actor, string type) =>
        new() { Actor = new AuditActor("user", actor), EventType = type, Payload = new JsonObject { ["n"] = 1 } };
}
