using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Transparency;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>The checkpointed decorator is a store like any other: the conformance suite runs through it (over a log in memory).</summary>
public sealed class CheckpointedStoreConformanceTests : AuditStoreConformanceTests, IDisposable
{
    private static readonly byte[] Seed = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private readonly Ed25519TestSigner _signer = new(Seed);

    protected override async Task<IAuditStore> CreateAsync() =>
        await CheckpointedAuditStore.OpenAsync(new InMemoryAuditStore(), new CheckpointedAuditStoreOptions
        {
            Signer = _signer, Origin = "example.com/claims", CheckpointEveryEvents = 7, TimeProvider = new FakeTimeProvider(),
        });

    // The log underneath is in memory: it does not outlive its process.
    protected override Task<IAuditStore?> ReopenAsync(IAuditStore store) => Task.FromResult<IAuditStore?>(null);

    // A checkpointed log's bundles carry its checkpoints, so they are signed with the checkpoint key.
    protected override MakerChecker.Audit.Signing.IAuditSigner CreateExportSigner() => new Ed25519TestSigner(Seed);

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        // The decorator's own guarantee: its tree holds exactly the log's events, so a signed checkpoint pins them.
        var checkpointed = (CheckpointedAuditStore)store;
        var events = await ReadAllAsync(store);
        Assert.Equal(events.Count, checkpointed.TreeSize);
        var signed = await checkpointed.CheckpointAsync();
        Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(store, events.Count), signed.Checkpoint.Root);
        Assert.True((await checkpointed.CheckExtendsAsync(signed.Checkpoint)).Extends);
    }

    [Fact]
    public async Task A_refused_conditional_append_adds_no_leaf_and_a_winning_one_adds_its_own()
    {
        await using var store = (CheckpointedAuditStore)await CreateAsync();
        var first = await store.AppendAsync(CheckpointedLogs.Entry(0));
        await store.AppendAsync(CheckpointedLogs.Entry(1));
        Assert.Equal(3, store.TreeSize);

        Assert.Null(await store.TryAppendAsync(CheckpointedLogs.Entry(2), first.Seq));
        Assert.Equal(3, store.TreeSize);

        var won = await store.TryAppendAsync(CheckpointedLogs.Entry(3), 3);
        Assert.NotNull(won);
        Assert.Equal(4, store.TreeSize);
        Assert.Equal(await CheckpointedLogs.RootOfEventsAsync(store, 4), (await store.CheckpointAsync()).Checkpoint.Root);
    }

    public void Dispose() => _signer.Dispose();
}
