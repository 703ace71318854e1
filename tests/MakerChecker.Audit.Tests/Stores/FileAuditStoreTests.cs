using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Stores;

public class FileAuditStoreTests
{
    private static AuditEntry Entry(int n, string? runId = null) => new()
    {
        Actor = new AuditActor("human", "reviewer-" + n, "claims-reviewer"),
        EventType = "approval.decided",
        EntityType = "approval_request",
        EntityId = "req-" + n,
        RunId = runId,
        Payload = new JsonObject { ["n"] = n, ["reason"] = "looks right ✓" },
    };

    /// <summary>Creates a log at <paramref name="path"/> with genesis and <paramref name="count"/> more events, and closes it.</summary>
    private static async Task WriteLogAsync(string path, int count)
    {
        await using var store = await FileAuditStore.OpenAsync(path);
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(Entry(i));
        }
    }

    [Fact]
    public async Task A_new_log_starts_with_its_genesis_event()
    {
        using var dir = new TempDir();
        await using var store = await FileAuditStore.OpenAsync(dir.File("a.jsonl"), new FileAuditStoreOptions { InstanceId = "inst-1" });
        var events = await store.ReadAsync().ToListAsync();
        var genesis = Assert.Single(events);
        Assert.Equal("audit.genesis", genesis.EventType);
        Assert.Equal(1, genesis.Seq);
        Assert.Equal("inst-1", genesis.Payload.GetProperty("instanceId").GetString());
        Assert.Equal(AuditActor.System, genesis.Actor);
    }

    [Theory]
    [InlineData(AuditFsyncPolicy.PerAppend)]
    [InlineData(AuditFsyncPolicy.GroupCommit)]
    public async Task Sixteen_threads_appending_give_one_valid_chain_with_the_exact_count(AuditFsyncPolicy policy)
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        const int Threads = 16, PerThread = 40;
        await using (var store = await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { FsyncPolicy = policy }))
        {
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    store.AppendAsync(Entry((t * 1000) + i)).AsTask().GetAwaiter().GetResult();
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            var verdict = await AuditStoreVerifier.VerifyAsync(store);
            Assert.True(verdict.IsValid, verdict.ToString());
            Assert.Equal(1 + (Threads * PerThread), verdict.EventCount);
            var ns = await store.ReadAsync(2).Select(e => e.Payload.GetProperty("n").GetInt32()).ToListAsync();
            Assert.Equal(Threads * PerThread, ns.Distinct().Count());
        }

        await using var reopened = await FileAuditStore.OpenAsync(path);
        Assert.Equal(1 + (Threads * PerThread), reopened.OpenVerdict.EventCount);
    }

    [Fact]
    public async Task In_memory_store_gives_one_valid_chain_under_sixteen_threads()
    {
        await using var store = new InMemoryAuditStore();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await store.AppendAsync(Entry(i));
            }
        })));
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(1601, verdict.EventCount);
    }

    [Fact]
    public async Task A_second_writer_gets_a_clear_error()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await using var first = await FileAuditStore.OpenAsync(path);
        var ex = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
        Assert.Contains("already open for writing", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);

        // Inspection needs no lock.
        await using var reader = await FileAuditStore.OpenReadOnlyAsync(path);
        Assert.True(reader.OpenVerdict.IsValid);
    }

    [Fact]
    public async Task The_lock_is_released_on_dispose()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await (await FileAuditStore.OpenAsync(path)).DisposeAsync();
        await using var second = await FileAuditStore.OpenAsync(path);
        await second.AppendAsync(Entry(1));
    }

    [Fact]
    public async Task A_tampered_file_is_refused_for_writing_but_opens_read_only()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await WriteLogAsync(path, 5);

        var text = await File.ReadAllTextAsync(path);
        await File.WriteAllTextAsync(path, text.Replace("reviewer-3", "reviewer-X", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
        Assert.Contains("fails verification", ex.Message, StringComparison.Ordinal);
        Assert.Contains(AuditReasonCodes.HashMismatch, ex.Message, StringComparison.Ordinal);

        await using var inspection = await FileAuditStore.OpenReadOnlyAsync(path);
        Assert.False(inspection.OpenVerdict.IsValid);
        Assert.Equal(5, inspection.OpenVerdict.FailedSeq);
        Assert.True(inspection.IsReadOnly);
        Assert.Equal(6, await inspection.ReadAsync().CountAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => inspection.AppendAsync(Entry(9)).AsTask());
    }

    [Fact]
    public async Task A_deleted_line_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await WriteLogAsync(path, 3);

        var lines = await File.ReadAllLinesAsync(path);
        await File.WriteAllLinesAsync(path, lines.Where((_, i) => i != 2));
        var ex = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
        // seq may have gaps (audit-spec v1 §2); the deletion shows as the next event's prev_hash no longer linking.
        Assert.Contains(AuditReasonCodes.BrokenChain, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_torn_final_line_is_cut_off_and_the_log_goes_on()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await WriteLogAsync(path, 1);

        var intact = await File.ReadAllBytesAsync(path);
        await File.AppendAllTextAsync(path, "{\"seq\":\"3\",\"id\":\"half-writ");

        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            Assert.Equal(intact, await File.ReadAllBytesAsync(path));
            var appended = await store.AppendAsync(Entry(2));
            Assert.Equal(3, appended.Seq);
        }

        await using var reopened = await FileAuditStore.OpenAsync(path);
        Assert.Equal(3, reopened.OpenVerdict.EventCount);
    }

    [Fact]
    public async Task A_complete_but_corrupt_final_line_is_not_repaired()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await WriteLogAsync(path, 1);

        // A whole line (with its line break) may have been acknowledged: never cut it off silently.
        await File.AppendAllTextAsync(path, "{\"seq\":\"3\"}\n");
        await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
    }

    [Fact]
    public async Task An_entry_with_a_lone_surrogate_is_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await using var store = await FileAuditStore.OpenAsync(path);
        var entry = new AuditEntry { Actor = AuditActor.System, EventType = "note", Payload = new JsonObject { ["x"] = "\ud800" } };
        var ex = await Assert.ThrowsAsync<AuditStoreException>(() => store.AppendAsync(entry).AsTask());
        Assert.Contains("ill-formed string", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, await store.ReadAsync().CountAsync());
    }

    [Fact]
    public async Task Each_line_is_the_bundle_row_of_its_event()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            await store.AppendAsync(Entry(1, runId: "run-1"));
        }

        var second = (await File.ReadAllLinesAsync(path, Encoding.UTF8))[1];
        var row = JsonNode.Parse(second)!.AsObject();
        Assert.Equal(["seq", "id", "occurred_at", "actor", "event_type", "entity_type", "entity_id", "run_id", "payload", "prev_hash", "hash"],
            row.Select(p => p.Key));
        Assert.Equal("2", (string)row["seq"]!);
        Assert.Equal("run-1", (string)row["run_id"]!);
    }

    [Fact]
    public async Task An_existing_log_of_another_instance_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        await (await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { InstanceId = "a" })).DisposeAsync();
        var ex = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { InstanceId = "b" }));
        Assert.Contains("belongs to instance a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_while_appending_stops_the_store_and_loses_no_acknowledged_event()
    {
        using var dir = new TempDir();
        var path = dir.File("a.jsonl");
        var ids = 0;
        var store = await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions
        {
            IdGenerator = () => ++ids == 4 ? throw new InvalidOperationException("id source down") : Guid.NewGuid(),
        });
        await using (store)
        {
            await store.AppendAsync(Entry(1));
            await store.AppendAsync(Entry(2));
            var failed = await Assert.ThrowsAsync<AuditStoreException>(() => store.AppendAsync(Entry(3)).AsTask());
            Assert.Contains("id source down", failed.Message, StringComparison.Ordinal);
            var after = await Assert.ThrowsAsync<AuditStoreException>(() => store.AppendAsync(Entry(4)).AsTask());
            Assert.Contains("stopped accepting appends", after.Message, StringComparison.Ordinal);
        }

        await using var reopened = await FileAuditStore.OpenAsync(path);
        Assert.True(reopened.OpenVerdict.IsValid);
        Assert.Equal(3, reopened.OpenVerdict.EventCount);
    }
}
