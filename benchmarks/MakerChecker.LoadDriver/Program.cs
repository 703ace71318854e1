using System.Globalization;
using MakerChecker.LoadDriver;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// The PostgreSQL load driver: see docs/performance.md, "PostgreSQL under load". Bounded in time and count; loopback only:
// without --connection it starts its own throwaway cluster on 127.0.0.1 (fsync on, synchronous_commit on) and removes it.
//   raw   [--writers 64] [--seconds 10] [--events 1000000] [--connection CS]
//   gates [--processes 4] [--callers 16] [--seconds 10] [--principals shared|per-process] [--warmup 10] [--connection CS]
// gates: each process first warms up for --warmup seconds on a warm-up chain they share (0 for none); the CPU the gate processes and
// (with the driver's own cluster) PostgreSQL use during the run is reported per allowed invocation.
if (args is ["gate-child", var cs, var policy, var tag, var callerCount, var seconds, var principals, var warmupSeconds])
{
    return await GateLoad.ChildAsync(cs, policy, tag, Int(callerCount), TimeSpan.FromSeconds(double.Parse(seconds, CultureInfo.InvariantCulture)),
        principals == "per-process", TimeSpan.FromSeconds(double.Parse(warmupSeconds, CultureInfo.InvariantCulture)));
}

if (args is not [("raw" or "gates") and var mode, ..])
{
    Console.Error.WriteLine("usage: MakerChecker.LoadDriver raw|gates [--writers N] [--processes P] [--callers C] [--principals shared|per-process] " +
        "[--warmup S] [--seconds S] [--events N] [--connection CS]");
    return 2;
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
var duration = TimeSpan.FromSeconds(Math.Clamp(double.Parse(Option("--seconds") ?? "10", CultureInfo.InvariantCulture), 1, 55));

await using var cluster = Option("--connection") is null ? await ThrowawayCluster.StartAsync() : null;
var server = Option("--connection") ?? cluster!.ConnectionString;
if (new NpgsqlConnectionStringBuilder(server).Host is not ("127.0.0.1" or "localhost" or "::1") and not ['/', ..])
{
    Console.Error.WriteLine("The load driver runs on loopback only: give a connection string whose Host is 127.0.0.1, localhost, ::1 or a socket folder.");
    return 2;
}

// Every run gets a new schema, so runs never see each other's chain.
var schema = "mc_load_" + Guid.NewGuid().ToString("N");
await using (var connection = new NpgsqlConnection(server))
{
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
    await command.ExecuteNonQueryAsync();
}

var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ToString();
return mode == "raw"
    ? await RawAppendLoad.RunAsync(connectionString, Math.Clamp(Int(Option("--writers") ?? "64"), 1, 512), duration,
        Math.Clamp(Int(Option("--events") ?? "1000000"), 1, 5_000_000))
    : await GateLoad.RunAsync(connectionString, Math.Clamp(Int(Option("--processes") ?? "4"), 1, 16), Math.Clamp(Int(Option("--callers") ?? "16"), 1, 256),
        duration, (Option("--principals") ?? "shared") switch
        {
            "shared" => false,
            "per-process" => true,
            var other => throw new ArgumentException($"--principals must be 'shared' or 'per-process', not '{other}'"),
        }, TimeSpan.FromSeconds(Math.Clamp(double.Parse(Option("--warmup") ?? "10", CultureInfo.InvariantCulture), 0, 30)),
        cluster is null ? null : cluster.ServerCpu);
