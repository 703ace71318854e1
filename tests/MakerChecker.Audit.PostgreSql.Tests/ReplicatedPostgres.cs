using MakerChecker.Testing.Postgres;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// Two throwaway clusters on loopback for the failover tests: a primary (<c>wal_level=replica</c>, one synchronous standby
/// named in <c>synchronous_standby_names</c>, <c>synchronous_commit=on</c>) and its streaming standby (<c>pg_basebackup -R</c>),
/// so that a commit returns only once the standby has the commit record. <see cref="KillPrimaryAsync"/> is <c>kill -9</c> of
/// the primary's postmaster, <see cref="PromoteStandbyAsync"/> is <c>pg_ctl promote</c>. Disposing stops what still runs
/// (by process id) and deletes both data directories. Needs the server binaries; an external server cannot fail over.
/// </summary>
public sealed class ReplicatedPostgres : IAsyncDisposable
{
    /// <summary>The standby's <c>cluster_name</c>, which its WAL receiver reports as its application name.</summary>
    public const string StandbyName = "mc_standby";

    private readonly string _bin;
    private readonly string _root;
    private readonly string _primaryDir;
    private readonly string _standbyDir;
    private int? _primaryPid;
    private List<int> _primaryChildren = [];
    private bool _primaryKilled;
    private bool _standbyStarted;

    private ReplicatedPostgres(string bin, string root)
    {
        _bin = bin;
        _root = root;
        _primaryDir = Path.Combine(root, "primary");
        _standbyDir = Path.Combine(root, "standby");
        PrimaryPort = ThrowawayPostgres.FreePort();
        StandbyPort = ThrowawayPostgres.FreePort();
    }

    /// <summary>Why the failover tests are skipped, or <see langword="null"/> when they run (always under CI=true).</summary>
    public static string? SkipReason =>
        PostgresServer.FindBinaries() is not null || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : "No PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): install them (apt-get install postgresql) to run the failover tests.";

    public int PrimaryPort { get; }

    public int StandbyPort { get; }

    /// <summary>
    /// What an application is given: both hosts, and only a primary will do, so that after a promotion Npgsql connects
    /// to whichever host is primary now.
    /// </summary>
    public string FailoverConnectionString =>
        $"Host=127.0.0.1:{PrimaryPort},127.0.0.1:{StandbyPort};Target Session Attributes=primary;Username=postgres;Database=postgres;Timeout=5";

    /// <summary>The standby alone (after promotion: the new primary), for checking what it holds.</summary>
    public string StandbyConnectionString => $"Host=127.0.0.1;Port={StandbyPort};Username=postgres;Database=postgres;Pooling=false";

    /// <summary>The primary alone.</summary>
    public string PrimaryConnectionString => $"Host=127.0.0.1;Port={PrimaryPort};Username=postgres;Database=postgres;Pooling=false";

    /// <summary>Creates, starts and connects both clusters, and waits until the primary reports the standby as synchronous.</summary>
    public static async Task<ReplicatedPostgres> StartAsync()
    {
        var bin = PostgresServer.FindBinaries() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries for the failover tests: install them (Debian: apt-get install postgresql; .ci/install-deps does it).");
        var pair = new ReplicatedPostgres(bin, Directory.CreateTempSubdirectory("mc-pg-failover-").FullName);
        try
        {
            await pair.StartClustersAsync();
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private async Task StartClustersAsync()
    {
        await ThrowawayPostgres.RunAsync("chown", ["postgres", _root], asPostgres: false);
        await Pg("initdb", "-D", _primaryDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
        // fsync=off: the test kills processes, not the machine, so the page cache keeps what each server wrote.
        await Pg("pg_ctl", "-D", _primaryDir, "-l", Path.Combine(_root, "primary.log"), "-w", "-o",
            $"-p {PrimaryPort} -k {_primaryDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c wal_level=replica " +
            $"-c max_wal_senders=4 -c synchronous_standby_names={StandbyName} -c synchronous_commit=on", "start");
        _primaryPid = ReadPostmasterPid(_primaryDir);
        await Pg("pg_basebackup", "-h", "127.0.0.1", "-p", PrimaryPort.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-D", _standbyDir,
            "-R", "-X", "stream", "-c", "fast", "--no-sync");
        await Pg("pg_ctl", "-D", _standbyDir, "-l", Path.Combine(_root, "standby.log"), "-w", "-o",
            $"-p {StandbyPort} -k {_standbyDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c cluster_name={StandbyName}",
            "start");
        _standbyStarted = true;
        await WaitForAsync("the primary to report the standby as synchronous", async () =>
        {
            await using var connection = new NpgsqlConnection(PrimaryConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT sync_state FROM pg_stat_replication WHERE application_name = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = StandbyName });
            return await command.ExecuteScalarAsync() is "sync";
        });
    }

    /// <summary>
    /// <c>kill -9</c> of the primary's postmaster. Its backends notice the postmaster's death and exit without
    /// answering (a commit waiting for the standby is never acknowledged); they are remembered so that disposing can make sure.
    /// </summary>
    private void KillPrimary()
    {
        var pid = _primaryPid ?? throw new InvalidOperationException("The primary is not running.");
        _primaryChildren = ChildrenOf(pid);
        using (var postmaster = Process.GetProcessById(pid))
        {
            postmaster.Kill(); // SIGKILL on Linux
        }

        _primaryKilled = true;
    }

    /// <summary>Waits until the killed primary's postmaster and every process it had started are gone.</summary>
    public Task KillPrimaryAsync()
    {
        KillPrimary();
        return WaitForAsync("the killed primary's processes to exit", () => Task.FromResult(!Alive(_primaryPid!.Value) && !_primaryChildren.Any(Alive)));
    }

    /// <summary>Stops the standby at once: from then on every commit on the primary waits for it.</summary>
    public async Task StopStandbyAsync()
    {
        await Pg("pg_ctl", "-D", _standbyDir, "-m", "immediate", "-w", "stop");
        _standbyStarted = false;
    }

    /// <summary><c>pg_ctl promote</c> of the standby, waiting until it accepts writes.</summary>
    public Task PromoteStandbyAsync() => Pg("pg_ctl", "-D", _standbyDir, "-w", "promote");

    /// <summary>Waits for <paramref name="condition"/>, polling, with a generous deadline (the machine may be loaded): never a timing assertion.</summary>
    public static async Task WaitForAsync(string what, Func<Task<bool>> condition, TimeSpan? deadline = null)
    {
        var until = Stopwatch.StartNew();
        Exception? last = null;
        while (until.Elapsed < (deadline ?? TimeSpan.FromSeconds(60)))
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException)
            {
                last = ex;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Gave up waiting for {what}." + (last is null ? "" : $" Last error: {last.Message}"), last);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_standbyStarted) await StopQuietlyAsync(_standbyDir);
        if (_primaryPid is not null && !_primaryKilled) await StopQuietlyAsync(_primaryDir);
        foreach (var child in _primaryChildren.Where(Alive))
        {
            try
            {
                using var process = Process.GetProcessById(child);
                process.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A process still exiting may hold a file a moment longer; the folder is under the temp directory.
        }
    }

    private async Task StopQuietlyAsync(string dataDir)
    {
        try
        {
            await Pg("pg_ctl", "-D", dataDir, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running (never started, or already stopped).
        }
    }

    private Task Pg(string program, params string[] args) => ThrowawayPostgres.RunAsync(Path.Combine(_bin, program), args, asPostgres: true);

    private static int ReadPostmasterPid(string dataDir) =>
        int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    /// <summary>The processes whose parent is <paramref name="pid"/>, from /proc.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var candidate)) continue;
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == pid) children.Add(candidate);
            }
            catch (IOException)
            {
                // The process exited meanwhile.
            }
        }

        return children;
    }
}
