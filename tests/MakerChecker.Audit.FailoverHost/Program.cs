using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.FailoverHost;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;

// Usage: MakerChecker.Audit.FailoverHost <connection string> <process tag> <work dir>
// One process of the PostgreSQL failover test. Over one PostgreSqlAuditStore and one ApprovalGate it runs, until
// <work dir>/stop exists: two plain appenders; invocations of a limited skill (coverage.flag@1); requests opened,
// presented, approved and executed (coverage.deny@1); and executions of the approved requests listed in
// <work dir>/shared-requests.txt ("<request id> <subject>" per line), which every process races to execute.
// Every acknowledgement and every failure goes to <work dir>/<tag>.acks, one fsync'd line each (see AckLog).
// Once its gate has read the log it creates <work dir>/<tag>.ready; after the stop file it calls RefreshAsync until
// the gate owes the log nothing (outcomes not recorded, authorisations in doubt), writes "settled" and prints "done".
var (connectionString, tag, dir) = (args[0], args[1], args[2]);
using var acks = new AckLog(Path.Combine(dir, tag + ".acks"));
var stop = Path.Combine(dir, "stop");
bool Stopping() => File.Exists(stop);

await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
var policy = PolicyLoader.Load(await File.ReadAllTextAsync(Path.Combine(dir, "policy.yaml"))).GetPolicyOrThrow();
await using var gate = new ApprovalGate(policy, store);
await gate.InitializeAsync();
await File.WriteAllTextAsync(Path.Combine(dir, tag + ".ready"), "");

await Task.WhenAll(Task.Run(() => AppendAsync(0)), Task.Run(() => AppendAsync(1)), Task.Run(FlagAsync), Task.Run(RequestsAsync), Task.Run(SharedAsync));

var settled = false;
for (var attempt = 0; attempt < 600 && !settled; attempt++)
{
    try
    {
        await gate.RefreshAsync();
        settled = true;
    }
    catch (AuditStoreException ex)
    {
        acks.Error(ex);
        await Task.Delay(100);
    }
}

acks.Line(settled ? "settled" : "unsettled");
Console.WriteLine("done");
return;

async Task AppendAsync(int appender)
{
    for (var n = 0; !Stopping(); n++)
    {
        var run = $"{tag}-a{appender}-{n}";
        try
        {
            var stored = await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("agent", tag),
                EventType = "test.recorded",
                RunId = run,
                EntityType = "test",
                EntityId = run,
                Payload = new JsonObject { ["process"] = tag, ["n"] = n },
            });
            acks.Ack(stored.EventType, run);
        }
        catch (Exception ex)
        {
            acks.Error(ex);
            await Task.Delay(20);
        }
    }
}

async Task FlagAsync()
{
    for (var n = 0; !Stopping(); n++)
    {
        var subject = $"claim:{tag}-f{n}";
        var run = CaseSubject.RunIdFor(subject);
        var result = await StepAsync(() => gate.InvokeAsync("screener-bot", "coverage.flag@1", Claim(subject), Ran(run), subject: subject), once: true);
        if (result?.Outcome == DecisionOutcome.Allowed)
        {
            acks.Ack("decision.allowed", run);
            acks.Ack("action.executed", run);
        }
        else if (result is not null)
        {
            acks.Ack("decision.refused", run);
        }
    }
}

async Task RequestsAsync()
{
    for (var n = 0; !Stopping(); n++)
    {
        var subject = $"claim:{tag}-r{n}";
        var run = CaseSubject.RunIdFor(subject);
        var opened = await StepAsync(() => gate.InvokeAsync("screener-bot", "coverage.deny@1", Claim(subject), NeverRuns, subject: subject), once: true);
        if (opened?.Request is not { } request) continue; // not opened, or in doubt: the next request is another case
        acks.Ack("approval.requested", run);
        if ((await StepAsync(() => gate.PresentAsync(request.Id, "dr.a")))?.ReasonCode == ReasonCodes.Presented) acks.Ack("approval.presented", run);
        var approved = await StepAsync(() => gate.ApproveAsync(request.Id, "dr.a", "checked"));
        if (approved?.ReasonCode == ReasonCodes.SignedOff) acks.Ack("approval.decided", run);
        if (approved is null) continue;
        await ExecuteAsync(request.Id, subject);
    }
}

async Task SharedAsync()
{
    var pending = (await File.ReadAllLinesAsync(Path.Combine(dir, "shared-requests.txt"))).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToList();
    foreach (var shared in pending)
    {
        await ExecuteAsync(shared[0], shared[1]);
    }
}

// Retries a failed execution: the gate, not the caller, must make sure the action runs at most once.
async Task ExecuteAsync(string requestId, string subject)
{
    var run = CaseSubject.RunIdFor(subject);
    var executed = await StepAsync(() => gate.ExecuteAsync(requestId, "screener-bot", Claim(subject), Ran(run)));
    if (executed?.ReasonCode == ReasonCodes.Executed)
    {
        acks.Ack("action.started", run);
        acks.Ack("action.executed", run);
    }
}

// One gate call, tried again after a failure until it answers (or, with once, given up) or the run stops.
async Task<GateResult?> StepAsync(Func<ValueTask<GateResult>> call, bool once = false)
{
    while (!Stopping())
    {
        try
        {
            return await call();
        }
        catch (Exception ex)
        {
            acks.Error(ex);
            if (once) return null;
            await Task.Delay(20);
        }
    }

    return null;
}

static JsonObject Claim(string subject) => new() { ["claim"] = new JsonObject { ["id"] = subject } };

Func<CancellationToken, ValueTask> Ran(string run) => _ =>
{
    acks.Line($"ran {run}");
    return ValueTask.CompletedTask;
};

static ValueTask NeverRuns(CancellationToken _) => throw new InvalidOperationException("a gated action ran when its request was opened");
