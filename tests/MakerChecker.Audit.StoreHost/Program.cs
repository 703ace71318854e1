using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;

// Usage: MakerChecker.Audit.StoreHost <sqlite|postgres> <path or connection string> <process tag> <events> <concurrent appenders>
// Appends <events> events, each tagged with this process and its number, then prints "done <count>".
var (kind, target, tag) = (args[0], args[1], args[2]);
var count = int.Parse(args[3], CultureInfo.InvariantCulture);
var appenders = int.Parse(args[4], CultureInfo.InvariantCulture);

await using IAuditStore store = kind switch
{
    "sqlite" => await SqliteAuditStore.OpenAsync(target),
    "postgres" => await PostgreSqlAuditStore.OpenAsync(target),
    _ => throw new ArgumentException($"unknown store kind '{kind}': use sqlite or postgres"),
};

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
