using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

/// <summary>Three gates over one SQLite file, each with its own store object (its own connection), as three app instances.</summary>
public sealed class SqliteGateInstancesTests : GateInstancesTests, IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-").FullName;
    private readonly List<IAuditStore> _opened = [];

    protected override async Task<IReadOnlyList<IAuditStore>> OpenStoresAsync()
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");
        var stores = new List<IAuditStore>();
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await SqliteAuditStore.OpenAsync(path));
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

        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
