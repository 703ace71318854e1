using System.Reflection;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Gates;

/// <summary>The claims-review sample policy, through the public API exactly as an app calls it.</summary>
public class EndToEndTests
{
    private static readonly string PolicyPath = Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml");

    [Fact]
    public async Task A_screened_denial_waits_for_a_physician_then_runs_once()
    {
        var dir = Directory.CreateTempSubdirectory("mc-e2e-").FullName;
        var log = Path.Combine(dir, "audit.jsonl");
        var key = Path.Combine(dir, "makerchecker.key");
        Ed25519KeyFile.Create(key, Path.Combine(dir, "makerchecker.pub.pem")); // the app's key: its log is signed as it is written
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddMakerChecker(o =>
        {
            o.PolicyPath = PolicyPath;
            o.AuditStoreFactory = _ => FileAuditStore.OpenAsync(log).GetAwaiter().GetResult();
            o.TimeProvider = time;
            o.Checkpoints.KeyPath = key;
        });
        try
        {
            await using (var provider = services.BuildServiceProvider())
            {
                var gate = provider.GetRequiredService<ApprovalGate>();
                var claim = new JsonObject { ["claim"] = new JsonObject { ["id"] = "C-1009", ["amount"] = 1840.5 } };
                var denied = 0;
                ValueTask Deny(CancellationToken _) { denied++; return ValueTask.CompletedTask; }

                // The screen may flag, never deny.
                Assert.Equal(DecisionOutcome.Allowed, (await gate.InvokeAsync("screener-bot", "coverage.flag@1", claim, _ => ValueTask.CompletedTask)).Outcome);
                var screenDenies = await gate.InvokeAsync("screener-bot", "coverage.deny@1", claim, Deny);
                Assert.Equal(ReasonCodes.SkillForbidden, screenDenies.ReasonCode);
                Assert.Contains("claims-review.yaml:", screenDenies.Rule.ToString(), StringComparison.Ordinal);

                // The drafter's denial waits for a physician.
                var opened = await gate.InvokeAsync("drafter-bot", "coverage.deny@1", claim, Deny, new ProposalBasis("PXDX-7", "screen-2026.11", "sha256:ab12", "procedure not covered"));
                Assert.Equal(DecisionOutcome.ApprovalRequired, opened.Outcome);
                var id = opened.Request!.Id;

                // The drafter's owner cannot sign it; a physician who clicks through in 1.2 s is refused and recorded.
                Assert.Equal(ReasonCodes.ApproverNotEligible, (await gate.ApproveAsync(id, "ops.lead")).ReasonCode);
                await gate.PresentAsync(id, "dr.batch");
                time.Advance(TimeSpan.FromSeconds(1.2));
                Assert.Equal(ReasonCodes.ReviewTooFast, (await gate.ApproveAsync(id, "dr.batch")).ReasonCode);

                await gate.PresentAsync(id, "dr.okafor");
                time.Advance(TimeSpan.FromSeconds(95));
                Assert.Equal(ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "dr.okafor", "chart reviewed; exclusion 4.2 applies")).ReasonCode);
                Assert.Equal(ReasonCodes.Executed, (await gate.ExecuteAsync(id, "drafter-bot", claim, Deny)).ReasonCode);
                Assert.Equal(ReasonCodes.AlreadyExecuted, (await gate.ExecuteAsync(id, "drafter-bot", claim, Deny)).ReasonCode);
                Assert.Equal(1, denied);
            }

            // The log verifies and tells the story, with the dwell of the one sign-off that counted.
            await using var store = await FileAuditStore.OpenReadOnlyAsync(log);
            var events = new List<MakerChecker.Audit.Events.AuditEvent>();
            await foreach (var e in store.ReadAsync()) events.Add(e);
            var decided = AuditEventReader.Read<ApprovalDecided>(Assert.Single(events, e => e.EventType == ApprovalDecided.Type));
            Assert.Equal("dr.okafor", decided.ReviewerId);
            Assert.Equal(95_000, decided.DwellMs);
            var tooFast = Assert.Single(
                events.Where(e => e.EventType == SignOffRefused.Type).Select(AuditEventReader.Read<SignOffRefused>), r => r.ReasonCode == ReasonCodes.ReviewTooFast);
            Assert.Equal(1200, tooFast.DwellMs);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_request_whose_gate_is_removed_can_no_longer_be_signed()
    {
        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync("dr-a");
        var ungated = new TestPolicy { Hash = new string('c', 64) };
        ungated.Role("medical-reviewer").Grant(ClaimsFixture.Deny);
        ungated.Human("dr-a", "medical-reviewer").Human("dr-b", "medical-reviewer");
        await f.Gate.ActivatePolicyAsync(ungated.Build());
        await f.Gate.PresentAsync(request.Id, "dr-b");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(ReasonCodes.GateRemoved, (await f.Gate.ApproveAsync(request.Id, "dr-b")).ReasonCode);
        Assert.Equal(ReasonCodes.GateRemoved, (await f.Gate.ExecuteAsync(request.Id, "dr-a", ClaimsFixture.Claim(), f.Action)).ReasonCode);
    }

    [Fact]
    public void Every_reason_code_and_event_type_is_documented()
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "docs"))) root = Path.GetDirectoryName(root) ?? throw new DirectoryNotFoundException("docs/");
        var reasons = File.ReadAllText(Path.Combine(root, "docs", "reason-codes.md"));
        var gates = File.ReadAllText(Path.Combine(root, "docs", "gates.md"));
        foreach (var code in Constants(typeof(ReasonCodes))) Assert.Contains($"`{code}`", reasons, StringComparison.Ordinal);
        foreach (var type in Constants(typeof(AuditEventTypes))) Assert.Contains($"`{type}`", gates, StringComparison.Ordinal);
        Assert.True(PolicyLoader.LoadFile(PolicyPath).Succeeded);
    }

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
}
