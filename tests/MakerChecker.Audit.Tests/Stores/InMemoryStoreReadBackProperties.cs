using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// The in-memory store keeps its events as bytes in an arena with an index of places (<see cref="StoredEventLog"/>), not as
/// <see cref="StoredEvent"/> objects: what is read back must be exactly what was appended. Held against the list of the
/// <see cref="StoredEvent"/>s the appends answered (what the store used to keep), over random entries, batches, scopes,
/// fields that repeat (the arena writes a repeated short field once), large payloads that fill arena chunks, and reads
/// from any seq.
/// </summary>
public sealed class InMemoryStoreReadBackProperties
{
    // Field values with equal lengths and different bytes (the arena compares lengths first), and equal bytes in new arrays.
    private static readonly string[] Shared = ["\"aaaa\"", "\"aaab\"", "\"baaa\"", "\"x\"", "null", "\"a longer value, ü\"", "{\"id\":\"p\"}"];

    private static readonly Gen<byte[]> SharedField = Gen.Elements(Shared).Select(Encoding.UTF8.GetBytes);

    private static readonly Gen<byte[]> AnyField = Gen.OneOf(
        SharedField,
        SharedField,
        Gen.Choose(0, 300).Select(n => Encoding.UTF8.GetBytes("\"" + new string((char)('a' + (n % 26)), n) + "\"")),
        Gen.Choose(200_000, 700_000).Select(n => Enumerable.Range(0, n).Select(i => (byte)(i * 31)).ToArray()));

    private static readonly Gen<byte[][]> EventFields = Gen.ArrayOf(AnyField, 8);

    [Property(MaxTest = 60)]
    public Property Events_read_back_from_the_log_are_the_ones_added() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 120).SelectMany(n => Gen.ArrayOf(EventFields, n))), fields =>
        {
            var log = new StoredEventLog();
            var added = new List<StoredEvent>();
            foreach (var f in fields)
            {
                var seq = added.Count + 1;
                var hash = Hash32.Compute(BitConverter.GetBytes(seq * 7919L)); // any value the event alone has
                var prev = Hash32.Compute(BitConverter.GetBytes(seq * 31L)); // kept as given, not derived from the event before
                var e = new StoredEvent
                {
                    Seq = seq, Id = f[0], OccurredAt = f[1], Actor = f[2], EventType = f[3], EntityType = f[4], EntityId = f[5],
                    RunId = f[6], Payload = f[7], PrevHash = prev, Hash = hash,
                };
                log.Add(e);
                added.Add(e);
            }

            Assert.Equal(added.Count, log.Count);
            for (var i = 0; i < added.Count; i++)
            {
                StoredEventAssert.Equal(added[i], log[i]);
                Assert.Equal(added[i].Actor, log.ActorAt(i).ToArray());
                Assert.Equal(added[i].EventType, log.EventTypeAt(i).ToArray());
            }
        });

    /// <summary>One step against the store: which append, the entry or entries, how far behind the head it expects, its scope.</summary>
    public sealed record Step(int Kind, int[] Entries, int Behind, int Budget, bool PolicyWide);

    private static readonly Gen<Step> Steps =
        from kind in Gen.Choose(0, 3)
        from entries in Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 10_000), n))
        from behind in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 4)))
        from budget in Gen.Choose(-1, 2)
        from policyWide in Gen.Elements(false, false, true)
        select new Step(kind, entries, behind, budget, policyWide);

    [Property(MaxTest = 200)]
    public Property Reads_from_any_seq_give_back_exactly_the_events_appended() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(Steps, n))), Arb.From(Gen.Choose(0, 1000)), (steps, readFrom) =>
        {
            RunAsync(steps, readFrom).GetAwaiter().GetResult();
        });

    private static async Task RunAsync(Step[] steps, int readFrom)
    {
        await using var store = new InMemoryAuditStore();
        var kept = new List<StoredEvent>();
        await foreach (var genesis in store.ReadAsync()) kept.Add(StoredEvent.From(genesis));
        foreach (var step in steps)
        {
            var head = (long)kept.Count;
            var expected = head - step.Behind;
            var scope = step.Budget < 0 ? null : new AuditAppendScope(
                step.PolicyWide ? ["policy.activated"] : [], new Dictionary<string, int> { ["u1"] = step.Budget }, ["decision.allowed"]);
            var entries = step.Entries.Select(Entry).ToList();
            var passes = step.Behind == 0 || (scope is not null && expected >= 1 && !scope.ConflictsWith(
                kept.Skip((int)expected).Select(e => (StoredEvent.DecodeActorId(e.Actor), StoredEvent.DecodeString(e.EventType)!))));
            IReadOnlyList<StoredEvent> written = step.Kind switch
            {
                0 => [(await store.AppendAsync(entries[0])).Stored!],
                1 => (await store.TryAppendAsync(entries[0], expected)) is { } one ? [one.Stored!] : [],
                2 => (await store.TryAppendBatchAsync(entries, expected, scope)).Select(e => e.Stored!).ToList(),
                _ => await ((IStoredEventAppender)store).TryAppendStoredAsync(entries[0], expected, scope, default) is { } s ? [s] : [],
            };
            var count = step.Kind == 2 ? entries.Count : 1;
            var writes = step.Kind == 0 || (step.Kind == 1 ? step.Behind == 0 : passes);
            Assert.Equal(writes ? count : 0, written.Count);
            kept.AddRange(written);
        }

        var from = 1 + (readFrom % (kept.Count + 1)); // 1 to one past the head
        var stored = store.ReadStored(from).ToList();
        Assert.Equal(kept.Count - from + 1, stored.Count);
        for (var i = 0; i < stored.Count; i++) StoredEventAssert.Equal(kept[from - 1 + i], stored[i]);

        var read = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(from)) read.Add(e);
        Assert.Equal(stored.Count, read.Count);
        for (var i = 0; i < read.Count; i++) AssertSame(kept[from - 1 + i].ToAuditEvent(), read[i]);

        var rows = new List<byte[]>();
        await foreach (var row in ((IStoredRowSource)store).ReadRowsAsync(default)) rows.Add(row.Bytes.ToArray());
        using var expectedRow = new ByteBuffer();
        Assert.Equal(kept.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            expectedRow.Clear();
            kept[i].WriteRow(expectedRow);
            Assert.Equal(expectedRow.ToArray(), rows[i]);
        }
    }

    private static void AssertSame(AuditEvent expected, AuditEvent actual)
    {
        Assert.Equal(
            (expected.Seq, expected.Id, expected.OccurredAt, expected.Actor, expected.EventType, expected.EntityType, expected.EntityId, expected.RunId),
            (actual.Seq, actual.Id, actual.OccurredAt, actual.Actor, actual.EventType, actual.EntityType, actual.EntityId, actual.RunId));
        Assert.Equal(expected.Payload.GetRawText(), actual.Payload.GetRawText());
        Assert.Equal((expected.PrevHash, expected.Hash), (actual.PrevHash, actual.Hash));
    }

    /// <summary>An entry from a number: its actor, types, ids and payload repeat across entries, some are large.</summary>
    private static AuditEntry Entry(int n) => new()
    {
        Actor = (n % 3) switch
        {
            0 => new AuditActor("user", "u1"),
            1 => new AuditActor("agent", "agent-ü", "screener"),
            _ => new AuditActor("user", "u" + n),
        },
        EventType = (n % 4) switch { 0 => "decision.allowed", 1 => "action.executed", 2 => "policy.activated", _ => "test.event-" + (n % 7) },
        EntityType = n % 5 == 0 ? null : "invocation",
        EntityId = n % 2 == 0 ? "inv-" + (n % 11) : null,
        RunId = n % 6 == 0 ? "run-" + n : null,
        Payload = n % 97 == 0
            ? new JsonObject { ["big"] = new string('b', 300_000 + n) }
            : new JsonObject { ["n"] = n, ["s"] = new string('s', n % 40) },
    };
}
