using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MakerChecker.LoadDriver;

/// <summary>
/// A PostgreSQL cluster for one run, as the tests start theirs (initdb and pg_ctl in a temp folder, listening on
/// 127.0.0.1 only, run as the postgres user when we are root) but with the server's default durability: fsync on,
/// synchronous_commit on. Removed when disposed.
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
        var binDir = (Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).Order()
                .LastOrDefault()
            : null) ?? throw new InvalidOperationException(
                "No PostgreSQL server binaries under /usr/lib/postgresql: install them (apt-get install postgresql) or pass --connection.");
        var dataDir = Directory.CreateTempSubdirectory("mc-load-pg-").FullName;
        var port = FreePort();
        await RunAsync("chown", ["postgres", dataDir], asPostgres: false);
        await RunAsync(Path.Combine(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
        await RunAsync(Path.Combine(binDir, "pg_ctl"), ["-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-w", "-o",
            $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on -c synchronous_commit=on", "start"]);
        return new ThrowawayCluster(binDir, dataDir, $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true");
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_binDir, "pg_ctl"), ["-D", _dataDir, "-m", "immediate", "-w", "stop"]);
        Directory.Delete(_dataDir, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, string[] args, bool asPostgres = true)
    {
        var asOther = asPostgres && Environment.UserName == "root"; // PostgreSQL refuses to run as root
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
