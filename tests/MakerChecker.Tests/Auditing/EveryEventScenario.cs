using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Auditing;

/// <summary>
/// A fixed-clock run through the public gate API that writes every event type the gate writes, in every variant:
/// allowed, refused at each stage (invoke, execute, break_glass), approval requested with and without a basis and
/// sampled, presented, approved, rejected, sign-off refused, started, executed, failed (direct and gated), break-glass,
/// principals registered at run time (an owned agent, a suspension), a second policy activation, a counted limit and a
/// foreign component's event. <c>Fixtures/audit-v1.jsonl</c> is this scenario's log as written by the previous writer.
/// </summary>
internal static class EveryEventScenario
{
    public static readonly DateTimeOffset Start = new(2026, 1, 15, 9, 0, 0, TimeSpan.Zero);

    public const string SecondPolicyHash = "00000000000000000000000000000000000000000000000000000000000000bb";

    /// <summary>Writes the scenario's log to <paramref name="path"/> (a new file) and returns the clock it ended at.</summary>
    public static async Task<DateTimeOffset> WriteAsync(string path)
    {
        var clock = new FakeTimeProvider(Start);
        var ids = 0;
        var options = new FileAuditStoreOptions
        {
            TimeProvider = clock,
            InstanceId = "fixture",
            IdGenerator = () => new Guid($"00000000-0000-4000-8000-{++ids:D12}"),
        };
        var draw = 0.99;
        await using var file = await FileAuditStore.OpenAsync(path, options);
        var store = new FaultInjectingAuditStore(file);
        await using var gate = new ApprovalGate(BuildPolicy(), store, clock, sampleSource: () => draw)
        {
            Snapshots = new GateSnapshotOptions { Store = new InMemoryGateSnapshotStore(), OnDispose = false },
        };
        ValueTask Run(CancellationToken _) => ValueTask.CompletedTask;
        ValueTask Fail(CancellationToken _) => throw new InvalidOperationException("the action failed");
        var basis = new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:feed", "diagnosis not covered");

        await gate.InitializeAsync();                                                                             // policy.activated
        await gate.RegisterPrincipalAsync(new PrincipalDefinition("night-bot", PrincipalKind.Agent, "screener", owner: "dr-owner"));

        // Direct invocations: allowed and executed, allowed and failed, counted up to the per-minute limit, refusals.
        await gate.InvokeAsync("bot", Flag, Claim(), Run);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await gate.InvokeAsync("bot", Flag, Claim(id: "C-2"), Fail));
        await gate.InvokeAsync("bot", Flag, Claim(id: "C-3"), Run);
        Expect(ReasonCodes.LimitExceeded, await gate.InvokeAsync("bot", Flag, Claim(id: "C-4"), Run));
        Expect(ReasonCodes.SkillNotGranted, await gate.InvokeAsync("clerk-1", Deny, Claim(), Run));
        Expect(ReasonCodes.SkillForbidden, await gate.InvokeAsync("dr-a", Pay, Claim(), Run));
        await gate.InvokeAsync("stranger", Flag, Claim(), Run);                                                   // unknown principal
        Expect(ReasonCodes.Allowed, await gate.InvokeAsync("night-bot", Pay, Claim(amount: 120m), Run));
        Expect(ReasonCodes.LimitExceeded, await gate.InvokeAsync("night-bot", Pay, Claim(amount: 900m), Run));

        // Requests: with a basis (two approvers), without one (one approver), sampled in, and sampled out.
        var r1 = (await gate.InvokeAsync("bot", Deny, Claim(), Run, basis)).Request!.Id;
        var r2 = (await gate.InvokeAsync("dr-a", Deny, Claim(id: "C-5"), Run)).Request!.Id;
        draw = 0.01;
        var r3 = (await gate.InvokeAsync("bot", Note, Claim(id: "C-6"), Run)).Request!.Id;                        // 0.01 < 0.05: sampled
        draw = 0.99;
        Expect(ReasonCodes.Allowed, await gate.InvokeAsync("bot", Note, Claim(id: "C-7"), Run));

        // Sign-offs on r1: refused (not presented, too fast), then two approvals.
        Expect(ReasonCodes.NotPresented, await gate.ApproveAsync(r1, "dr-a", "looks right"));
        await gate.PresentAsync(r1, "dr-a");
        clock.Advance(TimeSpan.FromSeconds(5));
        Expect(ReasonCodes.ReviewTooFast, await gate.ApproveAsync(r1, "dr-a", "looks right"));
        clock.Advance(TimeSpan.FromSeconds(30));
        Expect(ReasonCodes.SignedOff, await gate.ApproveAsync(r1, "dr-a", "chart reviewed"));
        await gate.PresentAsync(r1, "dr-b");
        clock.Advance(TimeSpan.FromSeconds(40));
        Expect(ReasonCodes.SignedOff, await gate.ApproveAsync(r1, "dr-b", null));

        // r2: the requester may not sign; another reviewer rejects it, and it cannot then execute.
        Expect(ReasonCodes.RequesterCannotApprove, await gate.ApproveAsync(r2, "dr-a", "mine"));
        await gate.PresentAsync(r2, "dr-b");
        clock.Advance(TimeSpan.FromSeconds(31));
        Expect(ReasonCodes.SignedOff, await gate.RejectAsync(r2, "dr-b", "not documented"));
        Expect(ReasonCodes.RequestClosed, await gate.ExecuteAsync(r2, "dr-a", Claim(id: "C-5"), Run));

        // r1 executes after two refused attempts.
        Expect(ReasonCodes.PayloadMismatch, await gate.ExecuteAsync(r1, "bot", Claim(id: "C-99"), Run));
        Expect(ReasonCodes.NotRequester, await gate.ExecuteAsync(r1, "dr-a", Claim(), Run));
        Expect(ReasonCodes.Executed, await gate.ExecuteAsync(r1, "bot", Claim(), Run));

        // r3 (sampled) is approved and its action fails.
        await gate.PresentAsync(r3, "dr-c");
        clock.Advance(TimeSpan.FromSeconds(2));
        Expect(ReasonCodes.SignedOff, await gate.ApproveAsync(r3, "dr-c"));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await gate.ExecuteAsync(r3, "bot", Claim(id: "C-6"), Fail));

        // Break-glass: used, refused without a justification, refused for a role the gate does not name.
        clock.Advance(TimeSpan.FromMinutes(2));
        Expect(ReasonCodes.BreakGlass, await gate.BreakGlassAsync("dr-a", Deny, Claim(id: "C-8"), "patient in theatre", Run));
        Expect(ReasonCodes.JustificationRequired, await gate.BreakGlassAsync("dr-a", Deny, Claim(id: "C-9"), " ", Run));
        Expect(ReasonCodes.BreakGlassNotAllowed, await gate.BreakGlassAsync("bot", Deny, Claim(id: "C-10"), "urgent", Run));

        // A request left open, presented once; a suspension; another component's event; a new policy.
        var r4 = (await gate.InvokeAsync("night-bot", Deny, Claim(id: "C-11"), Run)).Request!.Id;
        await gate.PresentAsync(r4, "dr-b");
        await gate.RegisterPrincipalAsync(new PrincipalDefinition("dr-c", PrincipalKind.Human, "medical-reviewer", PrincipalStatus.Suspended));
        await store.AppendAsync(new AuditEntry
        {
            Actor = new AuditActor("service", "inbox"),
            EventType = "inbox.viewed",
            EntityType = "approval_request",
            EntityId = r4,
            Payload = new JsonObject { ["requestId"] = r4, ["note"] = "another component's event" },
        });
        await gate.RefreshAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        await gate.ActivatePolicyAsync(BuildPolicy(SecondPolicyHash));
        await gate.InvokeAsync("night-bot", Flag, Claim(id: "C-12"), Run);

        // An idempotent invocation whose decision became durable though its append failed: the gate resolves it
        // not_executed (actor system) before the retry with the same key runs it; a second retry is a replay.
        clock.Advance(TimeSpan.FromMinutes(2));
        store.FailAppend(1, FaultPoint.AfterDurable);
        await Assert.ThrowsAsync<AuditStoreException>(async () => await gate.InvokeAsync("night-bot", Flag, Claim(id: "C-13"), Run, idempotencyKey: "nb-13"));
        Expect(ReasonCodes.Allowed, await gate.InvokeAsync("night-bot", Flag, Claim(id: "C-13"), Run, idempotencyKey: "nb-13"));
        Assert.True((await gate.InvokeAsync("night-bot", Flag, Claim(id: "C-13"), Run, idempotencyKey: "nb-13")).IsReplay);

        // The break-glass use is reviewed afterwards (breakglass.reviewed).
        var glass = Assert.Single(gate.GetBreakGlassForReview()).InvocationId;
        Expect(ReasonCodes.BreakGlassReviewed, await gate.ReviewBreakGlassAsync(glass, "dr-b", BreakGlassVerdict.Accepted, "patient was in theatre"));

        // The open request lapses (recorded by a sweep), and an appeal against the executed denial overturns it.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await gate.SweepExpiredAsync());
        Expect(ReasonCodes.AppealRecorded, await gate.RecordAppealAsync(r1, "dr-owner", AppealOutcome.Overturned, "documented"));

        // A snapshot of the gate's state, its hash recorded (gate.snapshot_recorded).
        await gate.RecordSnapshotAsync();
        return clock.GetUtcNow();
    }

    private static void Expect(string reasonCode, GateResult result) =>
        Assert.True(result.ReasonCode == reasonCode, $"{reasonCode} expected: {result.Message}");
}
