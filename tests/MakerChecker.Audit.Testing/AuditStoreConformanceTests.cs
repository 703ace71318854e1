using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// The behaviour every <see cref="IAuditStore"/> must have. Derive a test class from it and supply how a store is
/// created, reopened and tampered with; every test here then runs against that store.
/// </summary>
public abstract partial class AuditStoreConformanceTests
{
    /// <summary>Creates a store over a new, empty log. The test disposes it.</summary>
    /// <returns>The open store, holding only its genesis event.</returns>
    protected abstract Task<IAuditStore> CreateAsync();

    /// <summary>
    /// Disposes <paramref name="store"/> and opens the same log again, as after a process restart; or returns
    /// <see langword="null"/> for a store that does not outlive its process (then the original stays open).
    /// </summary>
    /// <param name="store">An open store from <see cref="CreateAsync"/>.</param>
    /// <returns>The reopened store, or <see langword="null"/>.</returns>
    protected abstract Task<IAuditStore?> ReopenAsync(IAuditStore store);

    /// <summary>
    /// Shows that a rewrite of history is refused or detected: for a SQL store, a raw UPDATE, DELETE (and TRUNCATE) on the
    /// events table fails in the database; for a file, an edited line makes the log fail verification and refuse to open
    /// for writing. Must throw (an assertion failure) if the store let history be rewritten unnoticed.
    /// </summary>
    /// <param name="store">An open store holding the genesis and at least three events.</param>
    /// <returns>A task that completes once the check passed.</returns>
    protected abstract Task AssertAppendOnlyAsync(IAuditStore store);

    /// <summary>
    /// Opens a second store object over the same log as <paramref name="store"/> (for a database, its own connections),
    /// as a second app instance would; or returns <see langword="null"/> when the log has one writer object only (in
    /// memory, a file), and the suite then shares <paramref name="store"/> between its writers. The test disposes it.
    /// </summary>
    /// <param name="store">An open store from <see cref="CreateAsync"/>.</param>
    /// <returns>Another writer over the same log, or <see langword="null"/>.</returns>
    protected virtual Task<IAuditStore?> OpenAnotherWriterAsync(IAuditStore store) => Task.FromResult<IAuditStore?>(null);

    /// <summary>The key bundles are exported with. A store that signs checkpoints must export with the checkpoint key.</summary>
    /// <returns>A new signer; the test disposes it when it is <see cref="IDisposable"/>.</returns>
    protected virtual Signing.IAuditSigner CreateExportSigner() => Signing.Ed25519AuditSigner.Generate();

    /// <summary>An entry with every optional field set.</summary>
    /// <param name="n">Distinguishes entries.</param>
    /// <param name="runId">The run id.</param>
    /// <returns>The entry.</returns>
    protected static AuditEntry Entry(int n, string runId = "run-1") => new()
    {
        Actor = new AuditActor("human", $"user-{n % 3}", "reviewer"),
        EventType = "test.recorded",
        EntityType = "claim",
        EntityId = $"claim-{n % 5}",
        RunId = runId,
        Payload = new JsonObject { ["n"] = n, ["text"] = "é ✓ \"quoted\"" },
    };

    /// <summary>Appended events read back exactly, after the genesis, in order.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Appended_events_read_back_exactly_after_the_genesis()
    {
        await using var store = await CreateAsync();
        var appended = new List<AuditEvent>();
        for (var i = 0; i < 5; i++)
        {
            appended.Add(await store.AppendAsync(Entry(i)));
        }

        var read = await ReadAllAsync(store);
        Assert.Equal(6, read.Count);
        Assert.Equal("audit.genesis", read[0].EventType);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), read.Select(e => e.Seq));
        for (var i = 0; i < appended.Count; i++)
        {
            var (a, r) = (appended[i], read[i + 1]);
            Assert.Equal((a.Seq, a.Id, a.OccurredAt, a.Hash, a.PrevHash), (r.Seq, r.Id, r.OccurredAt, r.Hash, r.PrevHash));
            Assert.Equal((a.Actor, a.EventType, a.EntityType, a.EntityId, a.RunId), (r.Actor, r.EventType, r.EntityType, r.EntityId, r.RunId));
            Assert.Equal(a.Payload.GetRawText(), r.Payload.GetRawText());
            Assert.Equal(i, r.Payload.GetProperty("n").GetInt32());
        }

        Assert.Equal(read[3..], await ToListAsync(store.ReadAsync(4)), EventComparer.Instance);
    }

    /// <summary>The log verifies as one chain rooted in the store's instance.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task The_log_is_one_valid_chain()
    {
        await using var store = await CreateAsync();
        for (var i = 0; i < 40; i++)
        {
            await store.AppendAsync(Entry(i));
        }

        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(41, verdict.EventCount);
    }

    /// <summary>Sixteen concurrent writers: every append lands once, on one valid chain.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Sixteen_concurrent_writers_leave_exactly_their_events_on_one_valid_chain()
    {
        const int Writers = 16, PerWriter = 40;
        await using var store = await CreateAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var seqs = new List<long>();
            for (var i = 0; i < PerWriter; i++)
            {
                seqs.Add((await store.AppendAsync(Entry((w * PerWriter) + i, $"writer-{w}"))).Seq);
            }

            return seqs;
        })));

        var all = results.SelectMany(s => s).Order().ToList();
        Assert.Equal(Enumerable.Range(2, Writers * PerWriter).Select(i => (long)i), all);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal((Writers * PerWriter) + 1, verdict.EventCount);
        var read = await ReadAllAsync(store);
        Assert.Equal(Writers * PerWriter, read.Skip(1).Select(e => e.Payload.GetProperty("n").GetInt32()).Distinct().Count());
    }

    /// <summary>A conditional append on the current head is chained directly after it.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_conditional_append_on_the_current_head_is_chained_after_it()
    {
        await using var store = await CreateAsync();
        var genesis = Assert.Single(await ReadAllAsync(store));
        var first = await store.TryAppendAsync(Entry(0), genesis.Seq);
        Assert.NotNull(first);
        Assert.Equal((genesis.Seq + 1, genesis.Hash), (first.Seq, first.PrevHash));
        var plain = await store.AppendAsync(Entry(1));
        var second = await store.TryAppendAsync(Entry(2), plain.Seq);
        Assert.NotNull(second);
        Assert.Equal((plain.Seq + 1, plain.Hash), (second.Seq, second.PrevHash));
        Assert.Equal([genesis.Hash, first.Hash, plain.Hash, second.Hash], (await ReadAllAsync(store)).Select(e => e.Hash));
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }

    /// <summary>A conditional append on a stale head (or a head the log never had) writes nothing and answers null.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_conditional_append_on_a_stale_head_writes_nothing()
    {
        await using var store = await CreateAsync();
        var seen = await store.AppendAsync(Entry(0));
        var moved = await store.AppendAsync(Entry(1));
        var before = await ReadAllAsync(store);

        Assert.Null(await store.TryAppendAsync(Entry(2), seen.Seq));
        Assert.Null(await store.TryAppendAsync(Entry(3), moved.Seq + 1));
        Assert.Null(await store.TryAppendAsync(Entry(4), 0));

        Assert.Equal(before.Select(e => e.Hash), (await ReadAllAsync(store)).Select(e => e.Hash));
        var next = await store.AppendAsync(Entry(5));
        Assert.Equal((moved.Seq + 1, moved.Hash), (next.Seq, next.PrevHash));
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(4, verdict.EventCount);
    }

    /// <summary>Sixteen writers (over two store objects where the log allows) race conditional appends on one head: exactly one wins.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Of_concurrent_conditional_appends_on_one_head_exactly_one_wins()
    {
        const int Writers = 16, Rounds = 5;
        await using var store = await CreateAsync();
        await using var other = await OpenAnotherWriterAsync(store);
        IAuditStore[] writers = other is null ? [store] : [store, other];
        for (var round = 0; round < Rounds; round++)
        {
            var head = (await ReadAllAsync(store))[^1];
            using var start = new ManualResetEventSlim();
            var racing = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                start.Wait();
                return await writers[w % writers.Length].TryAppendAsync(Entry((round * Writers) + w, $"writer-{w}"), head.Seq);
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(racing);

            var winner = Assert.Single(results, r => r is not null)!;
            Assert.Equal((head.Seq + 1, head.Hash), (winner.Seq, winner.PrevHash));
            var read = await ReadAllAsync(store);
            Assert.Equal(winner.Hash, read[^1].Hash);
            Assert.Equal(head.Seq, read[^2].Seq);
        }

        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(Rounds + 1, verdict.EventCount);
    }

    /// <summary>
    /// Plain appends and conditional appenders that catch up and retry, all at once: every event lands exactly once, and
    /// each conditional one directly after the event its writer expected.
    /// </summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Conditional_and_plain_appends_mix_on_one_chain()
    {
        const int Plain = 4, Conditional = 4, PerWriter = 15;
        await using var store = await CreateAsync();
        await using var other = await OpenAnotherWriterAsync(store);
        IAuditStore[] writers = other is null ? [store] : [store, other];
        var placed = new System.Collections.Concurrent.ConcurrentBag<(long ExpectedSeq, AuditEvent Event)>();
        var plain = Enumerable.Range(0, Plain).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                await writers[w % writers.Length].AppendAsync(Entry((w * PerWriter) + i, $"plain-{w}"));
            }
        }));
        var conditional = Enumerable.Range(0, Conditional).Select(w => Task.Run(async () =>
        {
            var writer = writers[(w + 1) % writers.Length];
            var last = (await ReadAllAsync(writer))[^1].Seq;
            for (var i = 0; i < PerWriter; i++)
            {
                var entry = Entry(1000 + (w * PerWriter) + i, $"conditional-{w}");
                while (true)
                {
                    if (await writer.TryAppendAsync(entry, last) is { } appended)
                    {
                        placed.Add((last, appended));
                        last = appended.Seq;
                        break;
                    }

                    await foreach (var e in writer.ReadAsync(last + 1))
                    {
                        last = e.Seq; // catch up to the head that moved
                    }
                }
            }
        }));
        await Task.WhenAll(plain.Concat(conditional));

        var read = await ReadAllAsync(store);
        Assert.Equal((Plain + Conditional) * PerWriter + 1, read.Count);
        Assert.Equal((Plain + Conditional) * PerWriter, read.Skip(1).Select(e => e.Payload.GetProperty("n").GetInt32()).Distinct().Count());
        var previousOf = read.Zip(read.Skip(1)).ToDictionary(p => p.Second.Seq, p => p.First);
        Assert.Equal(Conditional * PerWriter, placed.Count);
        foreach (var (expected, appended) in placed)
        {
            Assert.Equal(expected, previousOf[appended.Seq].Seq);
            Assert.Equal(previousOf[appended.Seq].Hash, appended.PrevHash);
        }

        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
    }

    /// <summary>After a restart the log holds everything acknowledged and new appends continue the same chain.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task A_reopened_store_keeps_every_acknowledged_event_and_continues_the_chain()
    {
        var store = await CreateAsync();
        try
        {
            var instanceId = store.InstanceId;
            AuditEvent last = null!;
            for (var i = 0; i < 10; i++)
            {
                last = await store.AppendAsync(Entry(i));
            }

            store = await ReopenAsync(store) ?? store;
            Assert.Equal(instanceId, store.InstanceId);
            var next = await store.AppendAsync(Entry(10));
            Assert.Equal(last.Seq + 1, next.Seq);
            Assert.Equal(last.Hash, next.PrevHash);
            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, verdict.Reason);
            Assert.Equal(12, verdict.EventCount);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>History cannot be rewritten unnoticed.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task History_cannot_be_rewritten_unnoticed()
    {
        var store = await CreateAsync();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await store.AppendAsync(Entry(i));
            }

            await AssertAppendOnlyAsync(store);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Ill-formed and oversized entries are refused with <see cref="AuditStoreException"/> and leave the chain intact.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Ill_formed_or_oversized_entries_are_refused_and_leave_the_chain_intact()
    {
        await using var store = await CreateAsync();
        await store.AppendAsync(Entry(0));
        var loneSurrogate = new AuditEntry
        {
            Actor = AuditActor.System, EventType = "test.bad", Payload = new JsonObject { ["text"] = "bad \uD800 surrogate" },
        };
        var tenMegabytes = new AuditEntry
        {
            Actor = AuditActor.System, EventType = "test.big", Payload = new JsonObject { ["blob"] = new string('x', 10 * 1024 * 1024) },
        };
        var badActor = new AuditEntry
        {
            Actor = new AuditActor("human", "user-\uDFFF", null), EventType = "test.bad", Payload = [],
        };

        foreach (var bad in new[] { loneSurrogate, tenMegabytes, badActor })
        {
            await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(bad));
        }

        var after = await store.AppendAsync(Entry(1));
        Assert.Equal(3, after.Seq);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(3, verdict.EventCount);
    }

    /// <summary>Full and run bundles exported from the store verify offline, with exactly the store's events.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Bundles_exported_from_the_store_verify()
    {
        await using var store = await CreateAsync();
        for (var i = 0; i < 30; i++)
        {
            await store.AppendAsync(Entry(i, i % 3 == 0 ? "run-a" : "run-b"));
        }

        var signer = CreateExportSigner();
        using var ownedSigner = signer as IDisposable;
        using var full = new MemoryStream();
        await Bundles.BundleExporter.ExportFullAsync(store, signer, full);
        full.Position = 0;
        var verdict = await Bundles.BundleVerifier.VerifyAsync(full);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(31, verdict.EventCount);

        using var run = new MemoryStream();
        await Bundles.BundleExporter.ExportRunAsync(store, "run-a", signer, run);
        run.Position = 0;
        verdict = await Bundles.BundleVerifier.VerifyAsync(run);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(10, verdict.EventCount);
    }

    /// <summary>A store that implements <see cref="IAuditQuery"/> answers each query with exactly the matching events, in order.</summary>
    /// <returns>A task.</returns>
    [StoreFact]
    public async Task Queries_return_exactly_the_matching_events_in_order()
    {
        await using var store = await CreateAsync();
        if (store is not IAuditQuery query)
        {
            return; // the suite's other tests still apply; queries are optional for a user's store
        }

        for (var i = 0; i < 20; i++)
        {
            await store.AppendAsync(Entry(i, i % 2 == 0 ? "run-even" : "run-odd"));
        }

        await store.AppendAsync(Request("req-1", "approval.requested"));
        await store.AppendAsync(Request("req-2", "approval.requested"));
        await store.AppendAsync(Request("req-1", "approval.decided"));
        await store.AppendAsync(Request("req-3", "approval.requested"));
        var all = await ReadAllAsync(store);

        await AssertSame(all.Where(e => e.RunId == "run-even"), query.ReadByRunAsync("run-even"));
        await AssertSame(all.Where(e => e.EntityType == "claim" && e.EntityId == "claim-2"), query.ReadByEntityAsync("claim", "claim-2"));
        await AssertSame(all.Where(e => e.Actor.Id == "user-1"), query.ReadByActorAsync("user-1"));
        // Bounds taken from the log itself: a fast store writes many events in one millisecond.
        var since = DateTimeOffset.Parse(all[5].OccurredAt, System.Globalization.CultureInfo.InvariantCulture);
        var until = DateTimeOffset.Parse(all[^1].OccurredAt, System.Globalization.CultureInfo.InvariantCulture).AddMilliseconds(1);
        await AssertSame(all.Where(e => string.CompareOrdinal(e.OccurredAt, all[5].OccurredAt) >= 0), query.ReadByTimeRangeAsync(since, until));
        Assert.Empty(await ToListAsync(query.ReadByTimeRangeAsync(until, until.AddHours(1))));
        var open = await ToListAsync(query.ReadOpenAsync("approval_request", "approval.requested", ["approval.decided", "approval.expired"]));
        Assert.Equal(["req-2", "req-3"], open.Select(e => e.EntityId));
        Assert.Empty(await ToListAsync(query.ReadByRunAsync("no-such-run")));

        static AuditEntry Request(string id, string type) => new()
        {
            Actor = new AuditActor("agent", "bot-1", null), EventType = type, EntityType = "approval_request", EntityId = id, Payload = [],
        };
    }

    /// <summary>Reads the whole log.</summary>
    /// <param name="store">The store.</param>
    /// <returns>Every event, genesis first.</returns>
    protected static Task<List<AuditEvent>> ReadAllAsync(IAuditStore store) => ToListAsync(store.ReadAsync(1));

    private static async Task<List<AuditEvent>> ToListAsync(IAsyncEnumerable<AuditEvent> events)
    {
        var list = new List<AuditEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }

    private static async Task AssertSame(IEnumerable<AuditEvent> expected, IAsyncEnumerable<AuditEvent> actual)
    {
        var wanted = expected.ToList();
        Assert.NotEmpty(wanted);
        Assert.Equal(wanted, await ToListAsync(actual), EventComparer.Instance);
    }

    private sealed class EventComparer : IEqualityComparer<AuditEvent>
    {
        public static readonly EventComparer Instance = new();

        public bool Equals(AuditEvent? x, AuditEvent? y) => x?.Seq == y?.Seq && x?.Hash == y?.Hash;

        public int GetHashCode(AuditEvent obj) => obj.Seq.GetHashCode();
    }
}
