using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlStoreConformanceTests(PostgresServer server) : AuditStoreConformanceTests
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private readonly Dictionary<string, string> _connections = [];

    protected override bool ChecksAppendScope => true;

    protected override async Task<IAuditStore> CreateAsync()
    {
        var connectionString = await server.NewSchemaAsync();
        var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        _connections[store.InstanceId] = connectionString;
        return store;
    }

    protected override async Task<IAuditStore?> ReopenAsync(IAuditStore store)
    {
        await store.DisposeAsync();
        return await PostgreSqlAuditStore.OpenAsync(_connections[store.InstanceId], new SqlAuditStoreOptions { InstanceId = store.InstanceId });
    }

    // A second store object has its own connection pool, as a second app instance would.
    protected override async Task<IAuditStore?> OpenAnotherWriterAsync(IAuditStore store) =>
        await PostgreSqlAuditStore.OpenAsync(_connections[store.InstanceId], new SqlAuditStoreOptions { InstanceId = store.InstanceId });

    protected override async Task AssertAppendOnlyAsync(IAuditStore store)
    {
        await using var connection = new NpgsqlConnection(_connections[store.InstanceId]);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2",
            "DELETE FROM audit_events WHERE seq = 4",
            "TRUNCATE audit_events",
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        }

        var verdict = await Verification.AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(4, verdict.EventCount);
    }
}
