using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

public sealed class SqliteStoreConformanceTests : AuditStoreConformanceTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-").FullName;
    private readonly Dictionary<string, string> _paths = [];

    protected override bool ChecksAppendScope => true;

    protected override async Task<IAuditStore> CreateAsync()
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");
        var store = await SqliteAuditStore.OpenAsync(path);
        _paths[store.InstanceId] = path;
        return store;
    }

    protected override async Task<IAuditStore?> ReopenAsync(IAuditStore store)
    {
        await store.DisposeAsync();
        return await SqliteAuditStore.OpenAsync(_paths[store.InstanceId], new SqlAuditStoreOptions { InstanceId = store.InstanceId });
    }

    // A second store object is a second connection to the file, as a second app instance (or process) would hold.
    protected override async Task<IAuditStore?> OpenAnotherWriterAsync(IAuditStore store) =>
        await SqliteAuditStore.OpenAsync(_paths[store.InstanceId], new SqlAuditStoreOptions { InstanceId = store.InstanceId });

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        await using var connection = new SqliteConnection($"Data Source={_paths[store.InstanceId]}");
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2",
            "DELETE FROM audit_events WHERE seq = 4",
            "DELETE FROM audit_events",
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var refused = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        }

        var verdict = await Verification.AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(4, verdict.EventCount);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
