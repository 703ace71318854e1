using MakerChecker.Audit.Payloads;
using MakerChecker.Audit.Testing;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

public sealed class SqliteRequestPayloadStoreTests : RequestPayloadStoreConformanceTests, IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"mc-cases-{Guid.NewGuid():N}.db");

    protected override Task<IRequestPayloadStore> CreateAsync() => Task.FromResult<IRequestPayloadStore>(new SqliteRequestPayloadStore(_path));

    protected override async Task TamperAsync(IRequestPayloadStore store, string digest, byte[] bytes)
    {
        await using var connection = new SqliteConnection($"Data Source={_path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE request_payloads SET payload = $p WHERE digest = $d";
        command.Parameters.AddWithValue("$p", bytes);
        command.Parameters.AddWithValue("$d", digest);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(_path + suffix);
    }
}
