using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>Three gates over one PostgreSQL database, each with its own store object (its own connection pool), as three app instances.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlGateInstancesTests(PostgresServer server) : GateInstancesTests, IAsyncLifetime
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private readonly List<IAuditStore> _opened = [];

    protected override async Task<IReadOnlyList<IAuditStore>> OpenStoresAsync()
    {
        var connectionString = await server.NewSchemaAsync();
        var first = await PostgreSqlAuditStore.OpenAsync(connectionString);
        var stores = new List<IAuditStore> { first };
        for (var i = 1; i < 3; i++)
        {
            stores.Add(await PostgreSqlAuditStore.OpenAsync(connectionString, new SqlAuditStoreOptions { InstanceId = first.InstanceId }));
        }

        _opened.AddRange(stores);
        return stores;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }
}
