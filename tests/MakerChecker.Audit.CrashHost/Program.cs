using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

// Usage: MakerChecker.Audit.CrashHost <log path> <PerAppend|GroupCommit> <concurrent appenders> [<checkpoint key PEM>]
// Appends forever; with a key, through a CheckpointedAuditStore that signs a checkpoint every 5 events. After each append returns it prints "ack <seq> <hash>" and flushes, so that the parent knows
// exactly which events were acknowledged when it kills this process.
var path = args[0];
var policy = Enum.Parse<AuditFsyncPolicy>(args[1]);
var appenders = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);

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
