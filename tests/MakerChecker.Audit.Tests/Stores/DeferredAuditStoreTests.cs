using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// A store opened on first use behaves as the store it opens: the whole conformance suite, over a file store. The suite
/// reads <see cref="IAuditStore.InstanceId"/> before any append, which only an open store knows, so each store is
/// opened first (through <see cref="DeferredAuditStore.OpenAsync"/>, as a caller needing the id would).
/// </summary>
public sealed class DeferredFileStoreConformanceTests : AuditStoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Dictionary<IAuditStore, string> _paths = [];

    protected override async Task<IAuditStore> CreateAsync()
    {
        var path = _dir.File(Guid.NewGuid().ToString("N") + ".jsonl");
        var store = new DeferredAuditStore(async ct => await FileAuditStore.OpenAsync(path, cancellationToken: ct));
        _paths[store] = path;
        await store.OpenAsync();
        return store;
    }

    protected override async Task<IAuditStore?> ReopenAsync(IAuditStore store)
    {
        await store.DisposeAsync();
        var path = _paths[store];
        var reopened = new DeferredAuditStore(async ct => await FileAuditStore.OpenAsync(path, cancellationToken: ct));
        _paths[reopened] = path;
        await reopened.OpenAsync();
        return reopened;
    }

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        var path = _paths[store];
        await store.DisposeAsync();
        var lines = await File.ReadAllLinesAsync(path);
        lines[2] = lines[2].Replace("user-", "USER-", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);
        await using var reopened = new DeferredAuditStore(async ct => await FileAuditStore.OpenAsync(path, cancellationToken: ct));
        var refused = await Assert.ThrowsAsync<AuditStoreException>(async () => await reopened.AppendAsync(DeferredAuditStoreTests.Entry()));
        Assert.Contains("fails verification", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}

public sealed class DeferredAuditStoreTests
{
    [Fact]
    public async Task Nothing_is_opened_until_first_use_and_concurrent_first_calls_share_one_open()
    {
        var opens = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var store = new DeferredAuditStore(async _ =>
        {
            Interlocked.Increment(ref opens);
            await release.Task;
            return new InMemoryAuditStore();
        });
        Assert.Equal(0, opens);
        Assert.Throws<InvalidOperationException>(() => store.InstanceId);

        var appends = Enumerable.Range(0, 8).Select(_ => store.AppendAsync(Entry()).AsTask()).ToList();
        Assert.All(appends, a => Assert.False(a.IsCompleted));
        release.SetResult();
        await Task.WhenAll(appends);

        Assert.Equal(1, opens);
        Assert.True(store.IsOpen);
        Assert.Equal(9, await store.ReadAsync().CountAsync());
        Assert.Equal((await store.OpenAsync()).InstanceId, store.InstanceId);
    }

    [Fact]
    public async Task A_failed_open_reaches_the_caller_and_is_tried_again_on_the_next_call()
    {
        var attempts = 0;
        await using var store = new DeferredAuditStore(_ => ++attempts == 1
            ? throw new AuditStoreException("The audit store 'db' could not be opened: connection refused.")
            : ValueTask.FromResult<IAuditStore>(new InMemoryAuditStore()));

        var failed = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(Entry()));
        Assert.Contains("connection refused", failed.Message, StringComparison.Ordinal);
        Assert.False(store.IsOpen);

        await store.AppendAsync(Entry());
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Disposing_disposes_the_opened_store_and_a_store_never_opened_is_never_opened_afterwards()
    {
        var inner = new DisposalProbe();
        var opened = new DeferredAuditStore(_ => ValueTask.FromResult<IAuditStore>(inner));
        await opened.AppendAsync(Entry());
        Assert.False(inner.Disposed);
        await opened.DisposeAsync();
        Assert.True(inner.Disposed);

        var opens = 0;
        var never = new DeferredAuditStore(_ => { opens++; return ValueTask.FromResult<IAuditStore>(new InMemoryAuditStore()); });
        await never.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await never.AppendAsync(Entry()));
        Assert.Equal(0, opens);
    }

    [Fact]
    public async Task Queries_answer_as_the_opened_store_does()
    {
        await using var store = new DeferredAuditStore(_ => ValueTask.FromResult<IAuditStore>(new InMemoryAuditStore()));
        await store.AppendAsync(Entry("a"));
        await store.AppendAsync(Entry("b"));

        var byEntity = await store.ReadByEntityAsync("test", "b").ToListAsync();

        Assert.Equal("b", Assert.Single(byEntity).EntityId);
        Assert.Equal(2, await store.ReadByActorAsync("deferred-test").CountAsync());
    }

    private sealed class DisposalProbe : IAuditStore
    {
        private readonly InMemoryAuditStore _log = new();

        public bool Disposed { get; private set; }

        public string InstanceId => _log.InstanceId;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _log.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
            _log.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default) =>
            _log.ReadAsync(fromSeq, cancellationToken);

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return _log.DisposeAsync();
        }
    }

    internal static AuditEntry Entry(string id = "1") => new()
    {
        Actor = new AuditActor("service", "deferred-test"), EventType = "test.appended", EntityType = "test", EntityId = id, Payload = new JsonObject(),
    };
}
