using System.Reflection;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Tests.Support;

namespace MakerChecker.Audit.Tests.Stores;

public sealed class InMemoryStoreConformanceTests : AuditStoreConformanceTests
{
    protected override Task<IAuditStore> CreateAsync() => Task.FromResult<IAuditStore>(new InMemoryAuditStore());

    protected override bool ChecksAppendScope => true;

    // An in-memory log does not outlive its process: the suite checks the open store instead.
    protected override Task<IAuditStore?> ReopenAsync(IAuditStore store) => Task.FromResult<IAuditStore?>(null);

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        // The equivalent guarantee in memory: no member changes or removes an event, and what reads hand out is a copy.
        var mutators = typeof(InMemoryAuditStore).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.DeclaringType == typeof(InMemoryAuditStore) && m.Name is not (nameof(IAuditStore.AppendAsync) or nameof(IAuditStore.TryAppendAsync)
                    or nameof(IAuditStore.TryAppendBatchAsync) or nameof(IAuditStore.DisposeAsync))
                && !m.Name.StartsWith("Read", StringComparison.Ordinal) && !m.IsSpecialName)
            .Select(m => m.Name).ToList();
        Assert.Empty(mutators);
        var first = await ReadAllAsync(store);
        var second = await ReadAllAsync(store);
        Assert.NotSame(first[1], second[1]);
        Assert.Equal(first.Select(e => e.Hash), second.Select(e => e.Hash));
    }
}

public sealed class FileStoreConformanceTests : AuditStoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Dictionary<string, string> _paths = [];

    protected override async Task<IAuditStore> CreateAsync()
    {
        var path = _dir.File(Guid.NewGuid().ToString("N") + ".jsonl");
        var store = await FileAuditStore.OpenAsync(path);
        _paths[store.InstanceId] = path;
        return store;
    }

    protected override async Task<IAuditStore?> ReopenAsync(IAuditStore store)
    {
        await store.DisposeAsync();
        return await FileAuditStore.OpenAsync(_paths[store.InstanceId]);
    }

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        // A file can be edited by anyone with write access; the guarantee is that an edit is detected: the log then fails
        // verification and is refused for writing, so nothing is ever chained onto a rewritten history.
        var path = _paths[store.InstanceId];
        await store.DisposeAsync();
        var lines = await File.ReadAllLinesAsync(path);
        lines[2] = lines[2].Replace("user-", "USER-", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);
        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => FileAuditStore.OpenAsync(path));
        Assert.Contains("fails verification", refused.Message, StringComparison.Ordinal);
        await using var readOnly = await FileAuditStore.OpenReadOnlyAsync(path);
        Assert.False(readOnly.OpenVerdict.IsValid);
    }

    public void Dispose() => _dir.Dispose();
}
