using System.Runtime.CompilerServices;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// A store put under checkpoints keeps its indexed queries: a gate (which reads through a <see cref="DeferredAuditStore"/>
/// around the checkpointed store) asks the inner store's <see cref="IAuditQuery"/>, never scans the log.
/// </summary>
public sealed class CheckpointedQueryTests
{
    [Fact]
    public async Task Queries_through_a_checkpointed_store_go_to_the_inner_stores_index_not_a_scan()
    {
        using var signer = new Ed25519TestSigner(Enumerable.Range(3, 32).Select(i => (byte)i).ToArray());
        var inner = new IndexedStore();
        var checkpointed = await CheckpointedAuditStore.OpenAsync(inner, new() { Signer = signer, TimeProvider = new FakeTimeProvider() });
        await using var gateStore = new DeferredAuditStore(_ => ValueTask.FromResult<IAuditStore>(checkpointed));
        for (var i = 0; i < 20; i++)
        {
            await gateStore.AppendAsync(CheckpointedLogs.Entry(i));
        }

        var scansBefore = inner.FullReads;
        IAuditQuery query = gateStore;
        var request = await query.ReadByEntityAsync("approval_request", "req-7").ToListAsync();
        var run = await query.ReadByRunAsync("run-1").ToListAsync();
        var actor = await query.ReadByActorAsync("reviewer-2").ToListAsync();
        var open = await query.ReadOpenAsync("approval_request", "approval.decided", ["approval.closed"]).ToListAsync();
        var window = await query.ReadByTimeRangeAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue).ToListAsync();

        Assert.Equal(scansBefore, inner.FullReads);
        Assert.Equal(5, inner.IndexedReads);
        Assert.Equal([9L], request.Select(e => e.Seq)); // after the genesis and req-0 to req-6
        Assert.Equal(5, run.Count);
        Assert.Equal(6, actor.Count);
        Assert.Equal(20, open.Count);
        Assert.Equal(21, window.Count);
    }

    /// <summary>An in-memory store that says which reads it was asked for: its queries stand for a database's indexes.</summary>
    private sealed class IndexedStore : IAuditQuery
    {
        private readonly InMemoryAuditStore _events = new();

        public int FullReads { get; private set; }

        public int IndexedReads { get; private set; }

        public string InstanceId => _events.InstanceId;

        public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
            _events.AppendAsync(entry, cancellationToken);

        public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
            _events.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1, CancellationToken cancellationToken = default)
        {
            if (fromSeq <= 1)
            {
                FullReads++;
            }

            return _events.ReadAsync(fromSeq, cancellationToken);
        }

        public IAsyncEnumerable<AuditEvent> ReadByRunAsync(string runId, CancellationToken cancellationToken = default) =>
            Indexed(e => e.RunId == runId, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadByEntityAsync(string entityType, string entityId, CancellationToken cancellationToken = default) =>
            Indexed(e => e.EntityType == entityType && e.EntityId == entityId, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadByActorAsync(string actorId, CancellationToken cancellationToken = default) =>
            Indexed(e => e.Actor.Id == actorId, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadByTimeRangeAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
            Indexed(_ => true, cancellationToken);

        public IAsyncEnumerable<AuditEvent> ReadOpenAsync(
            string entityType, string openingEventType, IReadOnlyCollection<string> closingEventTypes, CancellationToken cancellationToken = default) =>
            Indexed(e => e.EntityType == entityType && e.EventType == openingEventType, cancellationToken);

        public ValueTask DisposeAsync() => _events.DisposeAsync();

        private async IAsyncEnumerable<AuditEvent> Indexed(Func<AuditEvent, bool> match, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            IndexedReads++;
            await foreach (var e in _events.ReadAsync(1, cancellationToken))
            {
                if (match(e))
                {
                    yield return e;
                }
            }
        }
    }
}
