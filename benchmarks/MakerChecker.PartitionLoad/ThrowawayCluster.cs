using MakerChecker.Testing.Postgres;

namespace MakerChecker.PartitionLoad;

/// <summary>
/// A PostgreSQL cluster for one invocation of the driver, started as the tests start theirs (<see cref="ThrowawayPostgres"/>)
/// but with the server's default durability: fsync on, synchronous_commit on. Removed when disposed.
/// </summary>
internal sealed class ThrowawayCluster : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly string _dataDir;

    private ThrowawayCluster(string binDir, string dataDir, string connectionString)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<ThrowawayCluster> StartAsync()
    {
        var binDir = ThrowawayPostgres.FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries under /usr/lib/postgresql: install them (apt-get install postgresql) or pass --connection.");
        var dataDir = Directory.CreateTempSubdirectory("mc-partition-pg-").FullName;
        var connectionString = await ThrowawayPostgres.StartAsync(binDir, dataDir, ThrowawayPostgres.FreePort(), durable: true);
        return new ThrowawayCluster(binDir, dataDir, connectionString);
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await ThrowawayPostgres.StopAsync(_binDir, _dataDir);
    }
}
