using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// A store written only with the public store-author surface (AuditGroupCommit, AuditRow, AuditRowReader,
/// IStoredRowSource), over a list that stands in for a database table, passes the whole conformance suite.
/// </summary>
public sealed class StoreAuthorSurfaceConformanceTests : AuditStoreConformanceTests
{
    private readonly Dictionary<IAuditStore, RowTable> _tables = [];

    protected override async Task<IAuditStore> CreateAsync()
    {
        var table = new RowTable();
        var store = await TableStore.OpenAsync(table);
        _tables[store] = table;
        return store;
    }

    protected override async Task<IAuditStore?> ReopenAsync(IAuditStore store)
    {
        var table = _tables[store];
        await store.DisposeAsync();
        var reopened = await TableStore.OpenAsync(table);
        _tables[reopened] = table;
        return reopened;
    }

    protected override async Task<IAuditStore?> OpenAnotherWriterAsync(IAuditStore store)
    {
        var other = await TableStore.OpenAsync(_tables[store]);
        _tables[other] = _tables[store];
        return other;
    }

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        // The table is the store's; what the surface guarantees is that a rewritten row is caught by verification.
        var table = _tables[store];
        lock (table.Rows)
        {
            var row = table.Rows[2];
            var text = System.Text.Encoding.UTF8.GetString(row.Row).Replace("user-", "USER-", StringComparison.Ordinal);
            table.Rows[2] = new AuditRow(row.Seq, row.Id, row.OccurredAt, row.ActorId, row.EventType, row.EntityType, row.EntityId, row.RunId,
                System.Text.Encoding.UTF8.GetBytes(text), row.Hash);
        }
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.False(verdict.IsValid);
    }
}

public sealed class StoreAuthorSurfaceTests
{
    [Fact]
    public async Task A_failed_transaction_fails_only_its_group_and_the_next_group_chains_onto_the_unchanged_head()
    {
        var table = new RowTable();
        await using var store = await TableStore.OpenAsync(table);
        await store.AppendAsync(Entry());
        var head = table.Rows[^1];

        table.FailNextCommit = true;
        var failed = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(Entry()));
        Assert.Contains("could not commit", failed.Message, StringComparison.Ordinal);
        Assert.Equal(head, table.Rows[^1]);

        var next = await store.AppendAsync(Entry());
        Assert.Equal(head.Seq + 1, next.Seq);
        Assert.Equal(head.Hash, next.PrevHash);
        Assert.True((await AuditStoreVerifier.VerifyAsync(store)).IsValid);
    }

    [Fact]
    public async Task A_stored_head_that_is_not_a_hash_is_refused_as_an_altered_store()
    {
        var table = new RowTable();
        await using var store = await TableStore.OpenAsync(table);
        var genesis = table.Rows[0];
        lock (table.Rows)
        {
            table.Rows[0] = new AuditRow(genesis.Seq, genesis.Id, genesis.OccurredAt, genesis.ActorId, genesis.EventType, genesis.EntityType,
                genesis.EntityId, genesis.RunId, genesis.Row, "not-a-hash");
        }

        var refused = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(Entry()));

        Assert.Contains("'not-a-hash' is not 64 lowercase hex digits", refused.Message, StringComparison.Ordinal);
        Assert.Single(table.Rows);
    }

    [Fact]
    public void Occurred_at_text_sorts_as_time_does()
    {
        var early = new DateTimeOffset(2026, 11, 30, 9, 0, 0, 5, TimeSpan.FromHours(2));
        var late = early.AddMilliseconds(990);

        Assert.Equal("2026-11-30T07:00:00.005Z", AuditRow.FormatOccurredAt(early));
        Assert.True(string.CompareOrdinal(AuditRow.FormatOccurredAt(early), AuditRow.FormatOccurredAt(late)) < 0);
    }

    internal static AuditEntry Entry() => new()
    {
        Actor = new AuditActor("service", "author-test"), EventType = "test.appended", Payload = new JsonObject { ["n"] = 1 },
    };
}

/// <summary>Stands in for a database table: rows in seq order, one lock for the log's write lock.</summary>
internal sealed class RowTable
{
    public List<AuditRow> Rows { get; } = [];

    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    public bool FailNextCommit { get; set; }
}

/// <summary>An audit store built only on the public store-author surface, as a third party would write one.</summary>
internal sealed class TableStore : IAuditStore, IStoredRowSource
{
    private readonly RowTable _table;
    private readonly AuditGroupCommit _commit;

    private TableStore(RowTable table, string instanceId)
    {
        _table = table;
        InstanceId = instanceId;
        _commit = new AuditGroupCommit(instanceId, TimeProvider.System, Guid.NewGuid, 64, "table 'test'", CommitAsync);
    }

    public string InstanceId { get; }

    public static async Task<TableStore> OpenAsync(RowTable table)
    {
        await table.WriteLock.WaitAsync();
        try
        {
            if (table.Rows.Count == 0) table.Rows.Add(AuditGroupCommit.Genesis(Guid.NewGuid().ToString("D"), TimeProvider.System, Guid.NewGuid));
            using var reader = new AuditRowReader();
            return new TableStore(table, reader.ReadGenesisInstanceId(table.Rows[0].Row)!);
        }
        finally
        {
            table.WriteLock.Release();
        }
    }

    public ValueTask<AuditEvent> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _commit.AppendAsync(entry, cancellationToken);

    public ValueTask<AuditEvent?> TryAppendAsync(AuditEntry entry, long expectedLastSeq, CancellationToken cancellationToken = default) =>
        _commit.TryAppendAsync(entry, expectedLastSeq, cancellationToken);

    public async IAsyncEnumerable<AuditEvent> ReadAsync(long fromSeq = 1,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<AuditRow> snapshot;
        lock (_table.Rows) snapshot = [.. _table.Rows.Where(r => r.Seq >= fromSeq)];
        using var reader = new AuditRowReader();
        foreach (var row in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return reader.Read(row.Row);
        }
        await Task.CompletedTask;
    }

    bool IStoredRowSource.RefusesHashMismatchOnRead => false;

    async IAsyncEnumerable<StoredRow> IStoredRowSource.ReadRowsAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditRow> snapshot;
        lock (_table.Rows) snapshot = [.. _table.Rows];
        foreach (var row in snapshot) yield return new StoredRow(row.Row, row.Seq);
        await Task.CompletedTask;
    }

    Exception IStoredRowSource.UnreadableRow(StoredRow row, CanonicalJsonException failure) =>
        new AuditStoreException($"The table holds an unreadable row at seq {row.Position}: {failure.Message}", failure);

    public ValueTask DisposeAsync() => _commit.DisposeAsync();

    private async Task CommitAsync(AuditGroupChain chain, CancellationToken cancellationToken)
    {
        await _table.WriteLock.WaitAsync(cancellationToken);
        try
        {
            AuditRow head;
            lock (_table.Rows) head = _table.Rows[^1];
            var rows = chain(head.Seq, head.Hash);
            if (_table.FailNextCommit)
            {
                _table.FailNextCommit = false;
                throw new InvalidOperationException("the database went away");
            }
            lock (_table.Rows) _table.Rows.AddRange(rows);
        }
        finally
        {
            _table.WriteLock.Release();
        }
    }
}
