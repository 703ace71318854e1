using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Signing;
using MakerChecker.Decisions;
using MakerChecker.Partitions;
using MakerChecker.Policy;
using Npgsql;

// A bounded load driver for partitioned chains on PostgreSQL (loopback only): for each partition count, a new database,
// a signed PartitionedAuditLog of that many chains (a schema each), one PartitionedGate, and C callers, each a distinct
// service principal, invoking an allowed, ungated skill until the time or the invocation budget runs out. Prints the
// allowed invocations per second. Every invocation is a durable decision on its principal's chain.
var arguments = args.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => x.i);
string Arg(string name, string fallback) => arguments.TryGetValue(name, out var i) && i + 1 < args.Length ? args[i + 1] : fallback;
var connection = Arg("--connection", Environment.GetEnvironmentVariable("MAKERCHECKER_BENCH_POSTGRES") ?? "");
if (connection.Length == 0 || new NpgsqlConnectionStringBuilder(connection).Host is not ("127.0.0.1" or "localhost" or "::1"))
{
    Console.Error.WriteLine("usage: --connection \"Host=127.0.0.1;Port=…;Username=…;Database=postgres\" (loopback only) [--partitions 1,8] " +
        "[--callers 64] [--seconds 10] [--max 200000]");
    return 2;
}

var partitionCounts = Arg("--partitions", "1,8").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
var callers = int.Parse(Arg("--callers", "64"), CultureInfo.InvariantCulture);
var seconds = Math.Clamp(double.Parse(Arg("--seconds", "10"), CultureInfo.InvariantCulture), 1, 120);
var budget = Math.Clamp(long.Parse(Arg("--max", "200000"), CultureInfo.InvariantCulture), 1, 5_000_000);

var yaml = new StringBuilder("""
    policy:
      name: partition-load
      version: "1"
    skills:
      - skill: claim.note
        versions: [1]
        risk: low
    roles:
      - role: worker
        grants:
          - skill: claim.note@1
    principals:

    """);
for (var i = 0; i < callers; i++) yaml.Append(CultureInfo.InvariantCulture, $"  - id: svc-{i}\n    kind: service\n    role: worker\n");
var policy = PolicyLoader.Load(yaml.ToString()).GetPolicyOrThrow();

Console.WriteLine($"partition load: {callers} callers, {seconds} s or {budget} invocations per run, {Environment.ProcessorCount} cores, " +
    $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
foreach (var partitions in partitionCounts)
{
    var database = "mc_load_" + Guid.NewGuid().ToString("N")[..10];
    await ExecuteAsync(connection, $"CREATE DATABASE {database}");
    var target = new NpgsqlConnectionStringBuilder(connection) { Database = database, MaxPoolSize = 200 }.ToString();
    var directory = Directory.CreateTempSubdirectory("mc-partition-load-").FullName;
    using var signer = Ed25519AuditSigner.Generate();
    var options = new PartitionedAuditLogOptions { Signer = signer, Origin = "load.example/claims", Directory = directory };
    long allowed = 0, refused = 0;
    var clock = Stopwatch.StartNew();
    await using (var log = await PostgreSqlPartitionedAuditLog.OpenAsync(target, partitions, options))
    await using (var gate = await PartitionedGate.CreateAsync(policy, log))
    {
        var deadline = TimeSpan.FromSeconds(seconds);
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var payload = new JsonObject { ["claim"] = new JsonObject { ["id"] = $"C-{c}" } };
            while (clock.Elapsed < deadline && Interlocked.Read(ref allowed) + Interlocked.Read(ref refused) < budget)
            {
                var result = await gate.InvokeAsync($"svc-{c}", "claim.note@1", payload, _ => ValueTask.CompletedTask);
                Interlocked.Increment(ref result.Outcome == DecisionOutcome.Allowed ? ref allowed : ref refused);
            }
        })));
        clock.Stop();
        var spread = string.Join(" ", gate.Chains.Select(ch => $"{ch}:{Enumerable.Range(0, callers).Count(c => gate.ChainOf($"svc-{c}") == ch)}"));
        Console.WriteLine($"{partitions,2} partition(s): {allowed} allowed, {refused} refused in {clock.Elapsed.TotalSeconds:F1} s = " +
            $"{allowed / clock.Elapsed.TotalSeconds:F0} invocations/s (callers per chain {spread})");
    }

    NpgsqlConnection.ClearAllPools();
    await ExecuteAsync(connection, $"DROP DATABASE {database}");
    Directory.Delete(directory, recursive: true);
}

return 0;

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = connection.CreateCommand();
    command.CommandText = sql;
    await command.ExecuteNonQueryAsync();
}
