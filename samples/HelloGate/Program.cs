using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;

// The minimal gate: one allowed call, one refused call, one gated denial that a physician signs. The README quotes this.
var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
var clock = new ManualClock(DateTimeOffset.UtcNow);
await using var log = new InMemoryAuditStore(timeProvider: clock);                  // a durable, signed log: "Use it in your app"
await using var gate = new ApprovalGate(policy, log, clock);
var claim = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1009", ["amount"] = 1840.5 } };
ValueTask Deny(CancellationToken _) { Console.WriteLine("  -> claim C-1009 denied"); return ValueTask.CompletedTask; }

var flag = await gate.InvokeAsync("screener-bot", "coverage.flag@1", claim, _ => ValueTask.CompletedTask);
Console.WriteLine($"screener-bot flags:   {flag.ReasonCode}");                          // allowed
var direct = await gate.InvokeAsync("screener-bot", "coverage.deny@1", claim, Deny);
Console.WriteLine($"screener-bot denies:  {direct.ReasonCode} ({direct.Rule})");        // skill_forbidden, with the policy line

var opened = await gate.InvokeAsync("drafter-bot", "coverage.deny@1", claim, Deny);
Console.WriteLine($"drafter-bot denies:   {opened.ReasonCode}, request {opened.Request!.Id}");  // approval_required
await gate.PresentAsync(opened.Request.Id, "dr.okafor");                                    // the case is shown: dwell starts
clock.Advance(TimeSpan.FromSeconds(95));                                                     // min_review is 30 s
var signed = await gate.ApproveAsync(opened.Request.Id, "dr.okafor", "chart reviewed");
Console.WriteLine($"dr.okafor approves:   {signed.ReasonCode}");                           // signed_off
var run = await gate.ExecuteAsync(opened.Request.Id, "drafter-bot", claim, Deny);
Console.WriteLine($"drafter-bot executes: {run.ReasonCode}; {await log.ReadAsync().CountAsync()} audit events, policy {policy.Hash[..12]}");
return run.IsRefused ? 1 : 0;

/// <summary>A clock the sample moves by hand, so that the 95 s review takes no time.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
    public void Advance(TimeSpan by) => now += by;
}
