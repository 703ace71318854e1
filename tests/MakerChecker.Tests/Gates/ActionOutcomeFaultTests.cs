using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// Fault injection over every gate operation: the Nth append of the operation fails, before or after it became
/// durable, for every N up to the number of events the operation appends. Whatever fails, the caller's exception says
/// truthfully whether the action ran, the action runs at most once (retries included), and once the store recovers
/// the log records how every started action ended.
/// </summary>
public class ActionOutcomeFaultTests
{
    /// <summary>One gate operation: how to set it up, how to call it, and how many events it appends when nothing fails.</summary>
    internal sealed record Operation(
        string Name, int Appends, bool HasAction, bool ActionThrows, Func<OutcomeHarness, Task<string?>> Setup, Func<OutcomeHarness, string?, Task<GateResult>> Call)
    {
        public override string ToString() => Name;
    }

    private const string Key = "agent-call-7";

    internal static readonly Operation[] Operations =
    [
        new("invoke allowed", 2, true, false, NoSetup, (h, _) => Invoke(h, Flag, null)),
        new("invoke allowed with idempotency key", 2, true, false, NoSetup, (h, _) => Invoke(h, Flag, Key)),
        new("invoke whose action throws", 2, true, true, NoSetup, (h, _) => Invoke(h, Flag, null)),
        new("invoke refused", 1, false, false, NoSetup, (h, _) => h.Gate.InvokeAsync("clerk-1", Deny, OutcomeHarness.Claim(), h.Action).AsTask()),
        new("invoke gated opens a request", 1, false, false, NoSetup, (h, _) => Invoke(h, Deny, null)),
        new("invoke gated with idempotency key", 1, false, false, NoSetup, (h, _) => Invoke(h, Deny, Key)),
        new("present", 1, false, false, async h => await h.OpenDenialAsync(), (h, id) => h.Gate.PresentAsync(id!, "dr-a").AsTask()),
        new("approve", 1, false, false, async h => await h.OpenAndPresentAsync(), (h, id) => h.Gate.ApproveAsync(id!, "dr-a", "reviewed").AsTask()),
        new("reject", 1, false, false, async h => await h.OpenAndPresentAsync(), (h, id) => h.Gate.RejectAsync(id!, "dr-a", "not covered").AsTask()),
        new("execute", 2, true, false, async h => await h.OpenApprovedAsync(), Execute),
        new("execute whose action throws", 2, true, true, async h => await h.OpenApprovedAsync(), Execute),
        new("break-glass", 2, true, false, NoSetup, (h, _) => BreakGlass(h)),
        new("break-glass whose action throws", 2, true, true, NoSetup, (h, _) => BreakGlass(h)),
    ];

    public static TheoryData<string, int, bool> Faults()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var op in Operations)
        {
            for (var n = 1; n <= op.Appends; n++)
            {
                data.Add(op.Name, n, false);
                data.Add(op.Name, n, true);
            }
        }
        return data;
    }

    [Fact]
    public async Task Each_operation_appends_exactly_the_events_the_suite_counts()
    {
        foreach (var op in Operations)
        {
            await using var h = new OutcomeHarness { ActionThrows = op.ActionThrows };
            var id = await op.Setup(h);
            var before = (await h.Store.EventsAsync()).Count;
            try
            {
                await op.Call(h, id);
            }
            catch (InvalidOperationException) when (op.ActionThrows)
            {
            }
            Assert.True(before + op.Appends == (await h.Store.EventsAsync()).Count, op.Name);
        }
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task The_caller_is_told_the_truth_the_action_runs_at_most_once_and_the_log_records_the_outcome(string name, int n, bool afterDurable)
    {
        var op = Operations.Single(o => o.Name == name);
        await using var h = new OutcomeHarness { ActionThrows = op.ActionThrows };
        var id = await op.Setup(h);
        h.Store.FailAppend(n, afterDurable ? FaultPoint.AfterDurable : FaultPoint.BeforeDurable);

        var caught = await Record.ExceptionAsync(() => op.Call(h, id));
        Assert.Equal(1, h.Store.Injected);
        switch (caught)
        {
            case ActionOutcomeNotRecordedException notRecorded:
                Assert.True(op.HasAction);
                Assert.Equal(1, h.Runs);
                Assert.Equal(op.ActionThrows ? AuditEventTypes.ActionFailed : AuditEventTypes.ActionExecuted, notRecorded.OutcomeEventType);
                Assert.Equal(op.ActionThrows, notRecorded.ActionException is InvalidOperationException);
                Assert.Contains("ran", notRecorded.Message, StringComparison.Ordinal);
                Assert.Contains(notRecorded.EntityId, notRecorded.Message, StringComparison.Ordinal);
                break;
            case AuditStoreException failed:
                Assert.Equal(0, h.Runs);
                Assert.DoesNotContain("nothing was done", failed.Message, StringComparison.Ordinal);
                Assert.Contains("not known", failed.Message, StringComparison.Ordinal);
                if (op.HasAction) Assert.Contains("The action did not run", failed.Message, StringComparison.Ordinal);
                break;
            case InvalidOperationException:
                Assert.True(op.ActionThrows);
                Assert.Equal(1, h.Runs);
                break;
            case null:
                Assert.Equal(op.HasAction ? 1 : 0, h.Runs);
                break;
            default:
                Assert.Fail($"unexpected {caught}");
                break;
        }

        // The store recovers: the gate reads the log back and records what it owes.
        await h.Gate.RefreshAsync();
        await h.AssertLogTellsTheTruthAsync();
        await AssertGateAgreesWithLogAsync(h);

        // The caller retries what it was told did not run, a keyed call, or an execution: the action has then run exactly once.
        var keyed = op.Name.Contains("idempotency", StringComparison.Ordinal);
        var execution = op.Name.StartsWith("execute", StringComparison.Ordinal);
        if (op.HasAction && (h.Runs == 0 || keyed || execution))
        {
            var ranBefore = h.Runs;
            var retry = await Record.ExceptionAsync(() => op.Call(h, id));
            Assert.True(retry is null || (op.ActionThrows && ranBefore == 0 && retry is InvalidOperationException), retry?.ToString());
            Assert.Equal(1, h.Runs);
            await h.AssertLogTellsTheTruthAsync();
        }
    }

    /// <summary>After a refresh the gate's view of each request (presentations, sign-offs) is what the log holds.</summary>
    private static async Task AssertGateAgreesWithLogAsync(OutcomeHarness h)
    {
        var events = await h.Store.EventsAsync();
        foreach (var opened in events.Where(e => e.EventType == AuditEventTypes.ApprovalRequested))
        {
            var request = h.Gate.GetRequest(opened.EntityId!);
            Assert.NotNull(request);
            Assert.Equal(events.Count(e => e.EntityId == opened.EntityId && e.EventType == AuditEventTypes.ApprovalPresented), request.Presentations.Count);
            Assert.Equal(events.Count(e => e.EntityId == opened.EntityId && e.EventType == AuditEventTypes.ApprovalDecided), request.SignOffs.Count);
        }
    }

    private static Task<string?> NoSetup(OutcomeHarness h) => h.Gate.InitializeAsync().AsTask().ContinueWith(_ => (string?)null, TaskScheduler.Default);

    private static Task<GateResult> Invoke(OutcomeHarness h, string skill, string? key) =>
        h.Gate.InvokeAsync("bot", skill, OutcomeHarness.Claim(), h.Action, idempotencyKey: key).AsTask();

    private static Task<GateResult> BreakGlass(OutcomeHarness h) =>
        h.Gate.BreakGlassAsync("dr-a", Deny, OutcomeHarness.Claim(), "patient at risk", h.Action).AsTask();

    private static Task<GateResult> Execute(OutcomeHarness h, string? id) => h.Gate.ExecuteAsync(id!, "bot", OutcomeHarness.Claim(), h.Action).AsTask();
}
