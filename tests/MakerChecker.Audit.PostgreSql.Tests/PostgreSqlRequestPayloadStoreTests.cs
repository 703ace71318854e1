using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Testing;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlRequestPayloadStoreTests(PostgresServer server) : RequestPayloadStoreConformanceTests, IAsyncDisposable
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private readonly Dictionary<IRequestPayloadStore, string> _connections = [];

    protected override async Task<IRequestPayloadStore> CreateAsync()
    {
        var connectionString = await server.NewSchemaAsync();
        var store = new PostgreSqlRequestPayloadStore(connectionString);
        _connections[store] = connectionString;
        return store;
    }

    protected override async Task TamperAsync(IRequestPayloadStore store, string digest, byte[] bytes)
    {
        await using var connection = new NpgsqlConnection(_connections[store]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE request_payloads SET payload = $1 WHERE digest = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = bytes });
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _connections.Keys) await ((PostgreSqlRequestPayloadStore)store).DisposeAsync();
    }
}
