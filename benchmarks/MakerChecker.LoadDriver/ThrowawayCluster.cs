using System.Globalization;
using MakerChecker.Testing.Postgres;

namespace MakerChecker.LoadDriver;

/// <summary>
/// A PostgreSQL cluster for one run, started as the tests start theirs (<see cref="ThrowawayPostgres"/>, shared with
/// them) but with the server's default durability: fsync on, synchronous_commit on. Removed when disposed.
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
        var dataDir = Directory.CreateTempSubdirectory("mc-load-pg-").FullName;
        var connectionString = await ThrowawayPostgres.StartAsync(binDir, dataDir, ThrowawayPostgres.FreePort(), durable: true);
        return new ThrowawayCluster(binDir, dataDir, connectionString);
    }

    /// <summary>
    /// The CPU time (user + system, in ticks of 10 ms) each of the server's processes has used so far, by process id: the
    /// postmaster and every process it started that is still running (backends, WAL writer, checkpointer), from /proc.
    /// </summary>
    public Dictionary<long, long> ServerCpu()
    {
        var postmaster = long.Parse(File.ReadLines(Path.Combine(_dataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var ticks = new Dictionary<long, long>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!long.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }

            // pid (comm) state ppid ... utime stime: fields 4, 14 and 15, counted after the command's closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ppid = long.Parse(fields[1], CultureInfo.InvariantCulture);
            if (pid != postmaster && ppid != postmaster) continue;
            ticks[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return ticks;
    }

    /// <summary>
    /// The CPU the server used between two <see cref="ServerCpu"/> readings: per process still running at the end, its
    /// time less what it had at the start (a process started meanwhile, all of it). A process that ended meanwhile (a
    /// backend whose connection closed) is left out, so keep the connections open across the run.
    /// </summary>
    public static TimeSpan Used(Dictionary<long, long> before, Dictionary<long, long> after) =>
        TimeSpan.FromSeconds(after.Sum(p => p.Value - before.GetValueOrDefault(p.Key)) / 100.0); // USER_HZ: 100 on Linux

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await ThrowawayPostgres.StopAsync(_binDir, _dataDir);
    }
}
