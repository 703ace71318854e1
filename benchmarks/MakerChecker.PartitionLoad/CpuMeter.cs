using System.Globalization;
using Npgsql;

namespace MakerChecker.PartitionLoad;

/// <summary>
/// The CPU time PostgreSQL's processes spent during a run (the server is on this machine: loopback only): user + system
/// time from <c>/proc/PID/stat</c> of every process <c>pg_stat_activity</c> lists (backends, the WAL writer, the
/// checkpointer), at the end minus at the start. A process that ended during the run is not counted; the gates' pools
/// keep their connections, so few do. Zero when /proc cannot be read.
/// </summary>
internal static class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on Linux

    public static async Task<Dictionary<int, double>> PostgresAsync(string connection)
    {
        var seconds = new Dictionary<int, double>();
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity", c);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var pid = reader.GetInt32(0);
            if (Seconds(pid) is { } s) seconds[pid] = s;
        }

        return seconds;
    }

    /// <summary>The transactions committed in the database so far (<c>pg_stat_database</c>, flushed by the backends within a second).</summary>
    public static async Task<long> CommitsAsync(string connection)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_stat_force_next_flush(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", c);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        return await reader.ReadAsync() ? reader.GetInt64(0) : 0;
    }

    public static double Delta(Dictionary<int, double> before, Dictionary<int, double> after) =>
        after.Sum(a => a.Value - before.GetValueOrDefault(a.Key));

    /// <summary>utime + stime of a process, in seconds, or <see langword="null"/> when it cannot be read.</summary>
    private static double? Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
