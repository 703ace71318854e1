using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
        var port = FreePort();
        await RunAsync("chown", "postgres", _dataDir, asPostgres: false);
        await RunAsync(Path.Combine(_binDir, "initdb"), "-D", _dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
        await RunAsync(Path.Combine(_binDir, "pg_ctl"), "-D", _dataDir, "-l", Path.Combine(_dataDir, "server.log"), "-w", "-o",
            $"-p {port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
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
            await RunAsync(Path.Combine(_binDir, "pg_ctl"), "-D", _dataDir, "-m", "immediate", "-w", "stop");
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    internal static string? FindBinaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl"))).Order().LastOrDefault()
        : null;

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, params string[] args) => await RunAsync(program, args, asPostgres: true);

    private static async Task RunAsync(string program, string a, string b, bool asPostgres) => await RunAsync(program, [a, b], asPostgres);

    internal static async Task RunAsync(string program, string[] args, bool asPostgres)
    {
        // PostgreSQL refuses to run as root.
        var asOther = asPostgres && Environment.UserName == "root";
        var info = new ProcessStartInfo(asOther ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asOther)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program }) info.ArgumentList.Add(a);
        }

        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
