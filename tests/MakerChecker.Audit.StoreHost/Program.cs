using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;

// Usage: MakerChecker.Audit.StoreHost <sqlite|postgres> <path or connection string> <process tag> <events> <concurrent appenders>
// Appends <events> events, each tagged with this process and its number, then prints "done <count>".
// Or:    MakerChecker.Audit.StoreHost <sqlite|postgres> <path or connection string> <process tag> execute <policy file> <request id>
// Runs a gate over the store, executes the approved request (as screener-bot, payload {"claim":{"id":"C-1"}}) with an
// action that prints "ran <tag>", then prints the result's reason code. So that the processes race, each first replays the
// log, writes "<policy file>.<tag>.ready", and waits for "<policy file>.go".
var (kind, target, tag) = (args[0], args[1], args[2]);

await using IAuditStore store = kind switch
{
    "sqlite" => await SqliteAuditStore.OpenAsync(target),
    "postgres" => await PostgreSqlAuditStore.OpenAsync(target),
    _ => throw new ArgumentException($"unknown store kind '{kind}': use sqlite or postgres"),
};

if (args[3] == "execute")
{
    var policy = PolicyLoader.Load(await File.ReadAllTextAsync(args[4])).GetPolicyOrThrow();
    await using var gate = new ApprovalGate(policy, store);
    await gate.InitializeAsync();
    await File.WriteAllTextAsync($"{args[4]}.{tag}.ready", "");
    while (!File.Exists(args[4] + ".go"))
    {
        await Task.Delay(5);
    }

    var claim = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1" } };
    var result = await gate.ExecuteAsync(args[5], "screener-bot", claim, _ =>
    {
        Console.WriteLine($"ran {tag}");
        return ValueTask.CompletedTask;
    });
    Console.WriteLine(result.ReasonCode);
    return;
}

var count = int.Parse(args[3], CultureInfo.InvariantCulture);
var appenders = int.Parse(args[4], CultureInfo.InvariantCulture);

var next = -1;
await Task.WhenAll(Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
{
    int n;
    while ((n = Interlocked.Increment(ref next)) < count)
    {
        await store.AppendAsync(new AuditEntry
        {
            Actor = new AuditActor("agent", tag),
            EventType = "test.recorded",
            RunId = tag,
            EntityType = "test",
            EntityId = $"{tag}-{n}",
            Payload = new JsonObject { ["process"] = tag, ["n"] = n },
        });
    }
})));

Console.WriteLine($"done {count}");
