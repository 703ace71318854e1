using MakerChecker.Testing.Postgres;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server the tests run against: <c>MAKERCHECKER_TEST_POSTGRES</c> if set, otherwise a throwaway cluster
/// (initdb + pg_ctl in a temp folder, loopback only, run as the postgres user when we are root), removed afterwards.
/// Each store gets its own schema, so tests never see each other's log.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Variable = "MAKERCHECKER_TEST_POSTGRES";

    private string? _dataDir;
    private string? _binDir;

    public string ConnectionString { get; private set; } = "";

    /// <summary>
    /// Why the PostgreSQL tests are skipped, or <see langword="null"/> when they run. They run whenever a server can be
    /// had, and always under CI=true, where a missing server must fail the build rather than skip quietly.
    /// </summary>
    public static string? SkipReason =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } || FindBinaries() is not null
            || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"No PostgreSQL: set {Variable} to a connection string, or install the server binaries (apt-get install postgresql).";

    public async Task InitializeAsync()
    {
        if (SkipReason is not null)
        {
            return; // every test of the collection is skipped, with this reason
        }

        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given)
        {
            ConnectionString = given;
            return;
        }

        _binDir = FindBinaries();
        if (_binDir is null)
        {
            throw new InvalidOperationException(
                "No PostgreSQL for the tests: set MAKERCHECKER_TEST_POSTGRES to a connection string, or install the server binaries (Debian: apt-get install postgresql; .ci/install-deps does it).");
        }

        _dataDir = Directory.CreateTempSubdirectory("mc-pg-").FullName;
        ConnectionString = await ThrowawayPostgres.StartAsync(_binDir, _dataDir, ThrowawayPostgres.FreePort(), durable: false);
    }

    /// <summary>A connection string whose search path is a new, empty schema.</summary>
    public async Task<string> NewSchemaAsync()
    {
        var schema = "mc_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE SCHEMA {schema}";
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_dataDir is not null && _binDir is not null)
        {
            await ThrowawayPostgres.StopAsync(_binDir, _dataDir);
        }
    }

    internal static string? FindBinaries() => ThrowawayPostgres.FindBinaries();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
