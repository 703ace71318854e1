using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Tests.Support;
using MakerChecker.Audit.Transparency;
using MakerChecker.Audit.Verification;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

public class CheckpointedAuditStoreTests
{
    private static readonly byte[] Seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static CheckpointedAuditStoreOptions Options(Ed25519TestSigner signer, long every = 1000, TimeProvider? time = null) =>
        new() { Signer = signer, Origin = "example.com/claims", CheckpointEveryEvents = every, TimeProvider = time ?? new FakeTimeProvider() };

    private static async Task<CheckpointedAuditStore> OpenFileAsync(string path, Ed25519TestSigner signer, long every = 1000) =>
        await CheckpointedAuditStore.OpenAsync(await FileAuditStore.OpenAsync(path), Options(signer, every));

    /// <summary>Writes <paramref name="count"/> events through a checkpointed file store and closes it (signing a last checkpoint).</summary>
    private static async Task WriteFileLogAsync(string path, Ed25519TestSigner signer, int count)
    {
        await using var store = await OpenFileAsync(path, signer);
        for (var i = 0; i < count; i++)
        {
            await store.AppendAsync(CheckpointedLogs.Entry(i));
        }
    }

    [Property(MaxTest = 25)]
    public Property Any_rewritten_and_rechained_event_is_refused_and_located() => Prop.ForAll(
        (from events in Gen.Choose(2, 60)
         from rewritten in Gen.Choose(2, events + 1)
         select (events, rewritten)).ToArbitrary(),
        c =>
        {
            using var dir = new TempDir();
            var path = dir.File("audit.jsonl");
            using var signer = new Ed25519TestSigner(Seed);
            WriteFileLogAsync(path, signer, c.events).GetAwaiter().GetResult();
            CheckpointedLogs.RewriteAndRechainAsync(path, c.rewritten, "approved-by-attacker").GetAwaiter().GetResult();
            var refused = Assert.ThrowsAsync<LogRollbackException>(() => OpenFileAsync(path, signer)).GetAwaiter().GetResult();
            return refused.ReasonCode == "log_diverges_from_checkpoint" && refused.FirstDivergentSeq == c.rewritten;
        });

    [Fact]
    public async Task Concurrent_appends_enter_the_tree_in_seq_order_and_checkpoints_follow_the_schedule()
    {
        using var signer = new Ed25519TestSigner(Seed);
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), Options(signer, every: 50));
        await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(async () => await store.AppendAsync(CheckpointedLogs.Entry(i)))));

        Assert.Equal(301, store.TreeSize);
        // The schedule signed while appending: the tree passed multiples of 50, so at least once (a drain of
        // out-of-order leaves may pass several multiples at once, even all of them: then one checkpoint, at 301).
        var scheduled = store.Checkpoints.Count;
        Assert.True(scheduled >= 1, "no checkpoint was signed on the schedule");
        Assert.True(store.Checkpoints[0].Checkpoint.Checkpoint.Size >= 50, $"first scheduled checkpoint at {store.Checkpoints[0].Checkpoint.Checkpoint.Size}");
        var lastScheduledSize = store.Checkpoints[^1].Checkpoint.Checkpoint.Size;

        var checkpoint = await store.CheckpointAsync();
        Assert.Equal(301, checkpoint.Checkpoint.Size);
        Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(store, 301), checkpoint.Checkpoint.Root);
        // On demand: a new checkpoint only if the log grew since the last scheduled one.
        Assert.Equal(lastScheduledSize == 301 ? scheduled : scheduled + 1, store.Checkpoints.Count);
        // Each one consistent with the one before.
        for (var i = 1; i < store.Checkpoints.Count; i++)
        {
            var (a, b) = (store.Checkpoints[i - 1].Checkpoint.Checkpoint, store.Checkpoints[i].Checkpoint.Checkpoint);
            Assert.True(MerkleProof.VerifyConsistency(a.Size, b.Size, store.Checkpoints[i].ConsistencyFromPrevious, a.Root, b.Root).IsValid);
            Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(store, b.Size), b.Root);
        }
    }

    [Fact]
    public async Task Closing_waits_for_running_appends_and_signs_them_all()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        var store = await OpenFileAsync(path, signer);
        var appends = Enumerable.Range(0, 40).Select(i => store.AppendAsync(CheckpointedLogs.Entry(i)).AsTask()).ToList();
        await store.DisposeAsync();
        await Task.WhenAll(appends);

        await using var reopened = await OpenFileAsync(path, signer);
        Assert.Equal(41, reopened.TreeSize);
        Assert.Equal(41, reopened.LatestCheckpoint!.Checkpoint.Size);
    }

    [Fact]
    public async Task Events_appended_to_the_inner_store_directly_still_enter_the_tree_in_order()
    {
        using var signer = new Ed25519TestSigner(Seed);
        var inner = new InMemoryAuditStore();
        await using var store = await CheckpointedAuditStore.OpenAsync(inner, Options(signer));
        await inner.AppendAsync(CheckpointedLogs.Entry(1)); // bypasses the layer: seq 2
        await store.AppendAsync(CheckpointedLogs.Entry(2)); // seq 3 waits for 2, which is read back from the log
        Assert.Equal(3, store.TreeSize);
        Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(inner, 3), (await store.CheckpointAsync()).Checkpoint.Root);
    }

    [Fact]
    public async Task A_quiet_log_is_checkpointed_once_the_interval_passes()
    {
        using var signer = new Ed25519TestSigner(Seed);
        var time = new FakeTimeProvider();
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(timeProvider: time), Options(signer, time: time));
        await store.AppendAsync(CheckpointedLogs.Entry(1));
        await store.AppendAsync(CheckpointedLogs.Entry(2));
        Assert.Null(store.LatestCheckpoint);

        time.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 500 && store.LatestCheckpoint is null; i++)
        {
            await Task.Delay(10); // the timer callback signs on the thread pool
        }

        Assert.Equal(3, store.LatestCheckpoint?.Checkpoint.Size);
        time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(50);
        Assert.Single(store.Checkpoints); // nothing new arrived: no second signature
    }

    [Fact]
    public async Task Reopening_a_file_log_keeps_its_files_and_signs_a_last_checkpoint_on_close()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await WriteFileLogAsync(path, signer, 20);

        Assert.True(File.Exists(path + ".merkle"));
        Assert.True(File.Exists(path + ".checkpoints"));
        await using var reopened = await OpenFileAsync(path, signer);
        Assert.Equal(21, reopened.TreeSize);
        Assert.Equal(21, reopened.LatestCheckpoint!.Checkpoint.Size);
        Assert.True(reopened.OpenReport.Extends);
        await reopened.AppendAsync(CheckpointedLogs.Entry(99));
        Assert.Equal(22, (await reopened.CheckpointAsync()).Checkpoint.Size);
    }

    [Fact]
    public async Task A_damaged_or_torn_hash_file_is_rebuilt_from_the_log_not_trusted()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await WriteFileLogAsync(path, signer, 40);

        var hashes = File.ReadAllBytes(path + ".merkle");
        hashes[32 * 10] ^= 0x01; // a stored hash in the middle
        File.WriteAllBytes(path + ".merkle", hashes[..^13]); // and a torn tail

        await using (var reopened = await OpenFileAsync(path, signer))
        {
            Assert.Equal(41, reopened.TreeSize);
            var receipt = await reopened.CreateReceiptAsync(7);
            Assert.True(receipt.Verify([reopened.VerifierKey]).IsValid);
        }

        var rebuilt = new MerkleTree(new MemoryMerkleHashStore());
        await using var log = await FileAuditStore.OpenReadOnlyAsync(path);
        using var file = FileMerkleHashStore.Open(path + ".merkle");
        Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(log, 41), new MerkleTree(file).RootAt(41));
    }

    [Fact]
    public async Task A_truncated_log_is_refused_naming_the_first_missing_event()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await WriteFileLogAsync(path, signer, 30);

        CheckpointedLogs.CutTail(path, 5); // 26 events left; the checkpoint covers 31
        var refused = await Assert.ThrowsAsync<LogRollbackException>(() => OpenFileAsync(path, signer));
        Assert.Equal("log_shorter_than_checkpoint", refused.ReasonCode);
        Assert.Equal(27, refused.FirstDivergentSeq);
        Assert.Contains("26 events", refused.Message, StringComparison.Ordinal);
        Assert.Contains("seq 27", refused.Message, StringComparison.Ordinal);

        // Refusing wrote nothing: the files are evidence. The store still opens for inspection.
        await using var inspect = await CheckpointedAuditStore.OpenReadOnlyAsync(await FileAuditStore.OpenReadOnlyAsync(path), new() { VerifierKey = NoteVerifierKey.FromEd25519("example.com/claims", signer.PublicKey.Span) });
        Assert.False(inspect.OpenReport.Extends);
        Assert.Equal("log_shorter_than_checkpoint", inspect.OpenReport.ReasonCode);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await inspect.AppendAsync(CheckpointedLogs.Entry(1)));
    }

    [Fact]
    public async Task A_rewritten_and_consistently_rechained_log_passes_the_chain_but_not_the_checkpoint()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await WriteFileLogAsync(path, signer, 30);

        // The attacker flips decision 12 to "approved" and recomputes every hash after it.
        await CheckpointedLogs.RewriteAndRechainAsync(path, seq: 12, newDecision: "approved-by-attacker");

        // The hash chain alone cannot tell: the file store opens and the log verifies.
        await using (var chainOnly = await FileAuditStore.OpenAsync(path))
        {
            Assert.True((await AuditStoreVerifier.VerifyAsync(chainOnly)).IsValid);
        }

        // The signed checkpoint can.
        var refused = await Assert.ThrowsAsync<LogRollbackException>(() => OpenFileAsync(path, signer));
        Assert.Equal("log_diverges_from_checkpoint", refused.ReasonCode);
        Assert.Equal(12, refused.FirstDivergentSeq);
        Assert.Contains("seq 12", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rewritten_log_is_caught_even_when_the_attacker_also_rebuilt_the_hash_file()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await WriteFileLogAsync(path, signer, 10);

        await CheckpointedLogs.RewriteAndRechainAsync(path, seq: 4, newDecision: "approved-by-attacker");
        File.Delete(path + ".merkle");
        var refused = await Assert.ThrowsAsync<LogRollbackException>(() => OpenFileAsync(path, signer));
        Assert.Equal("log_diverges_from_checkpoint", refused.ReasonCode);
        Assert.Null(refused.FirstDivergentSeq); // no older tree left to locate it with
    }

    [Fact]
    public async Task Receipts_for_random_events_verify_offline_and_fail_when_tampered()
    {
        using var signer = new Ed25519TestSigner(Seed);
        await using var store = await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), Options(signer, every: 64));
        for (var i = 0; i < 200; i++)
        {
            await store.AppendAsync(CheckpointedLogs.Entry(i));
        }

        var random = new Random(5);
        var keys = new[] { store.VerifierKey };
        for (var round = 0; round < 20; round++)
        {
            var seq = random.NextInt64(1, 202);
            var receipt = await store.CreateReceiptAsync(seq);
            Assert.Equal(seq - 1, receipt.LeafIndex);
            Assert.True(receipt.Verify(keys, "example.com/claims").IsValid);
            Assert.True(Receipt.TryParse(receipt.ToJson(), out var parsed, out _) && parsed.Verify(keys).IsValid);

            var json = System.Text.Encoding.UTF8.GetString(receipt.ToJson());
            var tampered = json.Contains("denied", StringComparison.Ordinal) ? json.Replace("denied", "approved", StringComparison.Ordinal) : json.Replace("approved", "denied", StringComparison.Ordinal);
            if (Receipt.TryParse(System.Text.Encoding.UTF8.GetBytes(tampered), out var forged, out _))
            {
                Assert.False(forged.Verify(keys).IsValid);
            }
        }

        // The newest event is covered by a checkpoint signed on demand.
        await store.AppendAsync(CheckpointedLogs.Entry(1000));
        var latest = await store.CreateReceiptAsync(202);
        Assert.True(latest.Verify(keys).IsValid);
        Assert.Equal(202, store.LatestCheckpoint!.Checkpoint.Size);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.CreateReceiptAsync(203));
    }

    [Fact]
    public async Task An_inspector_checks_the_log_extends_an_older_checkpoint_or_learns_where_it_diverged()
    {
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        SignedCheckpoint older;
        await using (var store = await OpenFileAsync(path, signer))
        {
            for (var i = 0; i < 20; i++)
            {
                await store.AppendAsync(CheckpointedLogs.Entry(i));
            }

            older = await store.CheckpointAsync();
            for (var i = 20; i < 30; i++)
            {
                await store.AppendAsync(CheckpointedLogs.Entry(i));
            }

            var report = await store.CheckExtendsAsync(older.Checkpoint);
            Assert.True(report.Extends);
            var current = await store.CheckpointAsync();
            Assert.True(MerkleProof.VerifyConsistency(21, 31, report.Proof, older.Checkpoint.Root, current.Checkpoint.Root).IsValid);
        }

        await CheckpointedLogs.RewriteAndRechainAsync(path, seq: 9, newDecision: "approved-by-attacker");
        var key = NoteVerifierKey.FromEd25519("example.com/claims", signer.PublicKey.Span);
        await using var inspect = await CheckpointedAuditStore.OpenReadOnlyAsync(await FileAuditStore.OpenReadOnlyAsync(path), new() { VerifierKey = key });
        var broken = await inspect.CheckExtendsAsync(older.Checkpoint);
        Assert.False(broken.Extends);
        Assert.Equal("log_diverges_from_checkpoint", broken.ReasonCode);
        Assert.Equal(8, broken.FirstDivergentLeaf);
    }

    [Fact]
    public async Task Opening_needs_a_signer_and_an_origin_the_history_agrees_with()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), new CheckpointedAuditStoreOptions()));
        using var dir = new TempDir();
        var path = dir.File("audit.jsonl");
        using var signer = new Ed25519TestSigner(Seed);
        await using (var store = await OpenFileAsync(path, signer))
        {
            await store.AppendAsync(CheckpointedLogs.Entry(1));
        }

        // A different key cannot open (or extend) the history signed by this one.
        using var other = new Ed25519TestSigner();
        var file = await FileAuditStore.OpenAsync(path);
        await Assert.ThrowsAsync<AuditStoreException>(() => CheckpointedAuditStore.OpenAsync(file, Options(other)));
        await file.DisposeAsync();
    }
}
