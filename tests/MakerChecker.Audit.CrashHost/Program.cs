using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

// Usage: MakerChecker.Audit.CrashHost <log path> <PerAppend|GroupCommit> <concurrent appenders> [<checkpoint key PEM>]
// Appends forever; with a key, through a CheckpointedAuditStore that signs a checkpoint every 5 events. After each append returns it prints "ack <seq> <hash>" and flushes, so that the parent knows
// exactly which events were acknowledged when it kills this process.
//        MakerChecker.Audit.CrashHost <log path> <PerAppend|GroupCommit> <events per open> reopen
// Opens, appends that many events one by one, closes, leaves the start of a next row as a crash mid-append would, and
// opens again (which cuts that row off), forever; it prints "opening" and "opened" around each open, so that the
// parent knows when it killed the process during an open and its recovery.
var path = args[0];
var policy = Enum.Parse<AuditFsyncPolicy>(args[1]);
var appenders = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
if (args is [_, _, _, "reopen"])
{
    await ReopenForeverAsync(path, policy, appenders);
    return;
}

var fileStore = await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { FsyncPolicy = policy });
await using IAuditStore store = args.Length > 3
    ? await CheckpointedAuditStore.OpenAsync(fileStore, new CheckpointedAuditStoreOptions { Signer = Ed25519KeyFile.LoadSigner(args[3]), CheckpointEveryEvents = 5 })
    : fileStore;
var output = Console.Out; // synchronized, auto-flushed
output.WriteLine("ready");

await Task.WhenAll(Enumerable.Range(0, appenders).Select(worker => Task.Run(async () =>
{
    for (var i = 0; ; i++)
    {
        var appended = await store.AppendAsync(new AuditEntry
        {
            Actor = new AuditActor("human", $"reviewer-{worker}", "claims-reviewer"),
            EventType = "approval.decided",
            EntityType = "approval_request",
            EntityId = $"req-{worker}-{i}",
            RunId = $"run-{worker}",
            Payload = new JsonObject { ["decision"] = "approved", ["dwellMs"] = 1000 + i, ["reason"] = new string('x', i % 300) },
        });
        output.WriteLine($"ack {appended.Seq} {appended.Hash}");
        output.Flush();
    }
})));

static async Task ReopenForeverAsync(string path, AuditFsyncPolicy policy, int eventsPerOpen)
{
    var output = Console.Out;
    output.WriteLine("ready");
    for (var round = 0; ; round++)
    {
        output.WriteLine("opening");
        long lastSeq;
        await using (var store = await FileAuditStore.OpenAsync(path, new FileAuditStoreOptions { FsyncPolicy = policy }))
        {
            output.WriteLine("opened");
            lastSeq = store.OpenVerdict.EventCount;
            for (var i = 0; i < eventsPerOpen; i++)
            {
                var appended = await store.AppendAsync(new AuditEntry
                {
                    Actor = new AuditActor("human", "reviewer-r", "claims-reviewer"),
                    EventType = "approval.decided",
                    EntityType = "approval_request",
                    EntityId = $"req-r{round}-{i}",
                    Payload = new JsonObject { ["decision"] = "approved", ["round"] = round },
                });
                output.WriteLine($"ack {appended.Seq} {appended.Hash}");
                output.Flush();
                lastSeq = appended.Seq;
            }
        }

        var next = $"{{\"seq\":\"{lastSeq + 1}\",\"id\":\"{Guid.NewGuid():D}\",\"occurred_at\":\"2026-";
        await File.AppendAllTextAsync(path, next[..Random.Shared.Next(1, next.Length)]);
    }
}
