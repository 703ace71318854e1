using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MakerChecker.Testing.Postgres;

/// <summary>
/// Starting and stopping a throwaway PostgreSQL cluster: initdb and pg_ctl in a folder of the caller's, listening on
/// 127.0.0.1 only, run as the postgres user when we are root (PostgreSQL refuses to run as root). Shared, as a linked
/// source file, by the PostgreSQL tests and the load driver in benchmarks/.
/// </summary>
internal static class ThrowawayPostgres
{
    /// <summary>The newest <c>/usr/lib/postgresql/*/bin</c> with initdb and pg_ctl, or <see langword="null"/>.</summary>
    public static string? FindBinaries() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl"))).Order().LastOrDefault()
        : null;

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Creates a cluster in <paramref name="dataDir"/> and starts it on <paramref name="port"/>; returns its connection
    /// string. <paramref name="durable"/> keeps the server's durability (fsync and synchronous_commit on, as a
    /// deployment runs); otherwise fsync is off, for tests that kill processes, not the machine.
    /// </summary>
    public static async Task<string> StartAsync(string binDir, string dataDir, int port, bool durable)
    {
        await RunAsync("chown", ["postgres", dataDir], asPostgres: false);
        await RunAsync(Path.Combine(binDir, "initdb"),
            ["-D", dataDir, "-U", "postgres", "--auth=trust", .. durable ? Array.Empty<string>() : ["--no-sync"], "-E", "UTF8"], asPostgres: true);
        var durability = durable ? "-c fsync=on -c synchronous_commit=on" : "-c fsync=off";
        await RunAsync(Path.Combine(binDir, "pg_ctl"), ["-D", dataDir, "-l", Path.Combine(dataDir, "server.log"), "-w", "-o",
            $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 {durability} -c max_connections=200", "start"], asPostgres: true);
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    /// <summary>Stops the cluster in <paramref name="dataDir"/> at once and deletes the folder.</summary>
    public static async Task StopAsync(string binDir, string dataDir)
    {
        await RunAsync(Path.Combine(binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"], asPostgres: true);
        Directory.Delete(dataDir, recursive: true);
    }

    /// <summary>Runs <paramref name="program"/> to its end (as the postgres user when asked and we are root); throws with its output if it fails.</summary>
    public static async Task RunAsync(string program, string[] args, bool asPostgres)
    {
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
