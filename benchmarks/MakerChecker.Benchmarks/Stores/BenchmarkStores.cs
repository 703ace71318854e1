using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using Npgsql;

namespace MakerChecker.Benchmarks.Stores;

/// <summary>
/// The stores the store benchmarks compare. PostgreSQL is included when MAKERCHECKER_BENCH_POSTGRES holds a connection
/// string; each run gets its own schema there, dropped afterwards.
/// </summary>
internal sealed class BenchmarkStores
{
    public const string PostgresVariable = "MAKERCHECKER_BENCH_POSTGRES";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mc-bench-" + Guid.NewGuid().ToString("N"));
    private string? _schema;

    public static IEnumerable<string> Kinds()
    {
        yield return "InMemory";
        yield return "File";
        yield return "Sqlite";
        if (Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 })
        {
            yield return "PostgreSql";
        }
    }

    public async Task<IAuditStore> OpenAsync(string kind)
    {
        Directory.CreateDirectory(_dir);
        switch (kind)
        {
            case "InMemory": return new InMemoryAuditStore();
            case "File": return await FileAuditStore.OpenAsync(Path.Combine(_dir, "audit.jsonl"));
            case "Sqlite": return await SqliteAuditStore.OpenAsync(Path.Combine(_dir, "audit.db"));
            default:
                var server = Environment.GetEnvironmentVariable(PostgresVariable)!;
                _schema = "mc_bench_" + Guid.NewGuid().ToString("N");
                await ExecuteAsync(server, $"CREATE SCHEMA {_schema}");
                return await PostgreSqlAuditStore.OpenAsync(new NpgsqlConnectionStringBuilder(server) { SearchPath = _schema }.ToString());
        }
    }

    public async Task CleanupAsync()
    {
        if (_schema is not null)
        {
            await ExecuteAsync(Environment.GetEnvironmentVariable(PostgresVariable)!, $"DROP SCHEMA {_schema} CASCADE");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // a generated schema name
        command.CommandText = sql;
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }
}
