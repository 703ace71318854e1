using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// Start-up and memory independent of the history: closed requests leave memory and are read back from the log; a gate
/// starts from the newest snapshot the log vouches for, and never from one it does not.
/// </summary>
public class SnapshotTests
{
    private static GateSnapshotOptions Options(IGateSnapshotStore store, int every = 10_000, bool onDispose = false, bool background = false) =>
        new() { Store = store, Every = every, OnDispose = onDispose, CheckInBackground = background };

    /// <summary>An executed request, a rejected one and a pending one, on <paramref name="f"/>'s gate.</summary>
    private static async Task<(string Executed, string Rejected, string Pending)> HistoryAsync(ClaimsFixture f)
    {
        var executed = (await f.OpenDenialAsync()).Id;
        await f.PresentAndApproveAsync(executed, "dr-a");
        await f.PresentAndApproveAsync(executed, "dr-b");
        Assert.Equal(ReasonCodes.Executed, (await f.Gate.ExecuteAsync(executed, "bot", Claim(), f.Action)).ReasonCode);
        var rejected = (await f.OpenDenialAsync(payload: Claim(id: "C-2"))).Id;
        await f.Gate.PresentAsync(rejected, "dr-a");
        f.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(ReasonCodes.SignedOff, (await f.Gate.RejectAsync(rejected, "dr-a", "not covered")).ReasonCode);
        var pending = (await f.OpenDenialAsync(payload: Claim(id: "C-3"))).Id;
        return (executed, rejected, pending);
    }

    [Fact]
    public async Task Closed_requests_leave_memory_and_are_read_back_from_the_log_after_a_restart()
    {
        var store = new FaultyAuditStore();
        (string Executed, string Rejected, string Pending) ids;
        await using (var before = new ClaimsFixture(store: store))
        {
            ids = await HistoryAsync(before);
            // Only the open request is held.
            Assert.Equal([ids.Pending], before.Gate.State.Requests.Keys);
        }

        await using var after = new ClaimsFixture(store: store);
        await after.Gate.InitializeAsync();
        Assert.Equal([ids.Pending], after.Gate.State.Requests.Keys);
        var executed = await after.Gate.GetRequestAsync(ids.Executed);
        Assert.Equal(ApprovalStatus.Executed, executed!.Status);
        Assert.Equal(["dr-a", "dr-b"], executed.SignOffs.Select(s => s.ReviewerId));
        Assert.Equal(ApprovalStatus.Rejected, (await after.Gate.GetRequestAsync(ids.Rejected))!.Status);
        Assert.Null(await after.Gate.GetRequestAsync("no-such-request"));
        Assert.Equal(1, after.Gate.CountRequests()[ApprovalStatus.Executed]);
        Assert.Equal(1, after.Gate.CountRequests()[ApprovalStatus.Rejected]);

        // The gate's own calls on a closed request read it back: never "not found" for a request that exists.
        Assert.Equal(ReasonCodes.AlreadyExecuted, (await after.Gate.ExecuteAsync(ids.Executed, "bot", Claim(), after.Action)).ReasonCode);
        Assert.Equal(ReasonCodes.RequestClosed, (await after.Gate.ApproveAsync(ids.Rejected, "dr-b", "late")).ReasonCode);
        Assert.Equal(ReasonCodes.AppealRecorded, (await after.Gate.RecordAppealAsync(ids.Executed, "dr-owner", AppealOutcome.Upheld)).ReasonCode);
        Assert.Equal(ReasonCodes.AppealNotApplicable, (await after.Gate.RecordAppealAsync(ids.Executed, "dr-owner", AppealOutcome.Upheld)).ReasonCode);
        Assert.Equal(0, after.Runs);
    }

    [Fact]
    public async Task A_reviewed_break_glass_use_leaves_memory_and_is_still_reviewed_once_after_a_restart()
    {
        var store = new FaultyAuditStore();
        string glass;
        await using (var before = new ClaimsFixture(store: store))
        {
            await before.Gate.BreakGlassAsync("dr-a", Deny, Claim(), "patient in theatre", before.Action);
            glass = Assert.Single(before.Gate.GetBreakGlassForReview()).InvocationId;
            Assert.Equal(ReasonCodes.BreakGlassReviewed, (await before.Gate.ReviewBreakGlassAsync(glass, "dr-b", BreakGlassVerdict.Accepted)).ReasonCode);
            Assert.Empty(before.Gate.State.BreakGlass);
        }

        await using var after = new ClaimsFixture(store: store);
        var again = await after.Gate.ReviewBreakGlassAsync(glass, "dr-c", BreakGlassVerdict.Accepted);
        Assert.Equal(ReasonCodes.BreakGlassAlreadyReviewed, again.ReasonCode);
        Assert.Contains("accepted", again.Message, StringComparison.Ordinal);
        Assert.Equal(ReasonCodes.BreakGlassNotFound, (await after.Gate.ReviewBreakGlassAsync("nope", "dr-c", BreakGlassVerdict.Accepted)).ReasonCode);
    }

    [Fact]
    public async Task An_idempotency_key_is_answered_for_a_day_and_then_forgotten()
    {
        await using var f = new ClaimsFixture();
        Assert.Equal(ReasonCodes.Allowed, (await f.Gate.InvokeAsync("clerk-1", Flag, Claim(), f.Action, idempotencyKey: "k-1")).ReasonCode);
        f.Time.Advance(TimeSpan.FromHours(23));
        Assert.True((await f.Gate.InvokeAsync("clerk-1", Flag, Claim(), f.Action, idempotencyKey: "k-1")).IsReplay);
        Assert.Equal(1, f.Runs);
        f.Time.Advance(TimeSpan.FromHours(1));
        var later = await f.Gate.InvokeAsync("clerk-1", Flag, Claim(), f.Action, idempotencyKey: "k-1");
        Assert.False(later.IsReplay);
        Assert.Equal(2, f.Runs);
    }

    [Fact]
    public async Task A_restarted_gate_starts_from_its_snapshot_and_the_tail_with_the_state_of_a_full_replay()
    {
        var store = new FaultyAuditStore();
        var snapshots = new InMemoryGateSnapshotStore();
        (string Executed, string Rejected, string Pending) ids;
        GateSnapshotInfo taken;
        await using (var before = new ClaimsFixture(store: store, snapshots: Options(snapshots)))
        {
            ids = await HistoryAsync(before);
            taken = await before.Gate.RecordSnapshotAsync();
            await before.PresentAndApproveAsync(ids.Pending, "dr-a"); // the tail
            for (var i = 0; i < 3; i++) await before.Gate.InvokeAsync("bot", Flag, Claim(), before.Action);
        }
        var recorded = store.Payloads<MakerChecker.Auditing.Events.GateSnapshotRecorded>().Single();
        Assert.Equal((taken.Seq, taken.StateHash), (recorded.Seq, recorded.StateHash));

        var logs = new ListLoggerFactory();
        await using var after = new ClaimsFixture(store: store, snapshots: Options(snapshots), loggerFactory: logs);
        await after.Gate.InitializeAsync();
        Assert.Equal(taken.Seq, after.Gate.StartedFromSnapshot);
        Assert.Contains(logs.Entries, e => e.EventId == 3044);
        await using var replayed = new ClaimsFixture(store: store);
        await replayed.Gate.InitializeAsync();
        var now = after.Time.GetUtcNow();
        Assert.Equal(Properties.SnapshotProperties.StateHash(replayed.Gate, now), Properties.SnapshotProperties.StateHash(after.Gate, now));

        // It decides on that state: the pending request's sign-off and the limit count carried over.
        Assert.Equal("dr-a", Assert.Single(after.Gate.GetRequest(ids.Pending)!.SignOffs).ReviewerId);
        Assert.Equal(ReasonCodes.LimitExceeded, (await after.Gate.InvokeAsync("bot", Flag, Claim(), after.Action)).ReasonCode);
        Assert.Equal(ApprovalStatus.Executed, (await after.Gate.GetRequestAsync(ids.Executed))!.Status);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("tampered")]
    [InlineData("wrong seq")]
    public async Task A_snapshot_that_the_log_does_not_vouch_for_is_logged_and_the_gate_replays_from_genesis(string fault)
    {
        var store = new FaultyAuditStore();
        var snapshots = new InMemoryGateSnapshotStore();
        await using (var before = new ClaimsFixture(store: store, snapshots: Options(snapshots)))
        {
            await HistoryAsync(before);
            var taken = await before.Gate.RecordSnapshotAsync();
            var bytes = (await snapshots.ReadAsync(taken.Seq))!;
            snapshots = new InMemoryGateSnapshotStore();
            if (fault == "tampered")
            {
                bytes[bytes.Length / 2] ^= 0x01;
                await snapshots.SaveAsync(taken.Seq, bytes);
            }
            else if (fault == "wrong seq")
            {
                await snapshots.SaveAsync(taken.Seq - 1, bytes);
            }
        }

        var logs = new ListLoggerFactory();
        await using var after = new ClaimsFixture(store: store, snapshots: Options(snapshots), loggerFactory: logs);
        await after.Gate.InitializeAsync();
        Assert.Equal(0, after.Gate.StartedFromSnapshot);
        Assert.Equal(fault != "missing", logs.Entries.Any(e => e.EventId == 3041));
        await using var replayed = new ClaimsFixture(store: store);
        await replayed.Gate.InitializeAsync();
        var now = after.Time.GetUtcNow();
        Assert.Equal(Properties.SnapshotProperties.StateHash(replayed.Gate, now), Properties.SnapshotProperties.StateHash(after.Gate, now));
    }

    [Fact]
    public async Task A_recorded_hash_the_replay_does_not_reproduce_is_found_on_demand_and_in_the_background_which_rebuilds_the_state()
    {
        var store = new FaultyAuditStore();
        var snapshots = new InMemoryGateSnapshotStore();
        string pending;
        GateSnapshotInfo wrong;
        await using (var before = new ClaimsFixture(store: store, snapshots: Options(snapshots)))
        {
            pending = (await HistoryAsync(before)).Pending;
            // A faulty writer: the state it snapshots has lost the pending request.
            before.Gate.State.Requests.TryRemove(pending, out _);
            wrong = await before.Gate.RecordSnapshotAsync();
        }

        await using (var onDemand = new ClaimsFixture(store: store, snapshots: Options(snapshots)))
        {
            await onDemand.Gate.InitializeAsync();
            Assert.Equal(wrong.Seq, onDemand.Gate.StartedFromSnapshot);
            var check = await onDemand.Gate.CheckSnapshotsAsync();
            Assert.Equal(wrong.Seq, check.FirstMismatch!.Seq);
            Assert.Equal(wrong.StateHash, check.FirstMismatch.RecordedHash);
        }

        // The background check finds it too, and rebuilds the state from genesis: the request is back. The check may
        // finish before InitializeAsync returns (the in-memory store answers at once), so the start from the wrong
        // snapshot is asserted from the log line the gate writes when it starts from one (3044), not from the state.
        var logs = new ListLoggerFactory();
        var after = new ClaimsFixture(store: store, snapshots: Options(snapshots, background: true), loggerFactory: logs);
        await after.Gate.InitializeAsync();
        Assert.Contains(logs.Entries.ToList(), e => e.EventId == 3044 && e.Message.Contains($"seq {wrong.Seq} ", StringComparison.Ordinal));
        await WaitUntilAsync(() => after.Gate.StartedFromSnapshot == 0);
        Assert.Contains(logs.Entries, e => e.EventId == 3042);
        Assert.Equal(ApprovalStatus.Pending, after.Gate.GetRequest(pending)!.Status);
        await after.DisposeAsync();
    }

    [Fact]
    public async Task Snapshots_are_written_every_n_events_and_on_dispose_and_each_checks_against_the_replay()
    {
        var store = new FaultyAuditStore();
        var snapshots = new InMemoryGateSnapshotStore();
        await using (var f = new ClaimsFixture(store: store, snapshots: Options(snapshots, every: 5, onDispose: true)))
        {
            await HistoryAsync(f);
            await f.Gate.InvokeAsync("clerk-1", Flag, Claim(), f.Action);
        }
        var recorded = store.Payloads<MakerChecker.Auditing.Events.GateSnapshotRecorded>().ToList();
        Assert.True(recorded.Count >= 3, $"{recorded.Count} snapshots");
        // The last one was written on dispose, after the last decision's events.
        var last = store.Events[^1];
        Assert.Equal(AuditEventTypes.GateSnapshotRecorded, last.EventType);
        Assert.Equal(last.Seq - 1, recorded[^1].Seq);
        Assert.Equal(recorded.Select(r => r.Seq).OrderDescending(), (await snapshots.ListAsync()).Take(recorded.Count));

        var check = await GateSnapshotChecker.CheckAsync(store);
        Assert.Equal(recorded.Count, check.Snapshots.Count);
        Assert.Null(check.FirstMismatch);
    }

    [Fact]
    public async Task The_file_snapshot_store_keeps_the_newest_snapshots_and_reads_them_back()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mc-snapshots-{Guid.NewGuid():N}");
        try
        {
            var files = new FileGateSnapshotStore(directory, keep: 2);
            Assert.Empty(await files.ListAsync());
            Assert.Null(await files.ReadAsync(7));
            for (var seq = 10; seq <= 40; seq += 10) await files.SaveAsync(seq, new byte[] { (byte)seq, 1, 2 });
            Assert.Equal([40L, 30L], await files.ListAsync());
            Assert.Equal(new byte[] { 40, 1, 2 }, await files.ReadAsync(40));
            Assert.Null(await files.ReadAsync(10));
            Assert.Empty(Directory.GetFiles(directory, "*.tmp"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "the background check did not finish in 30 s");
    }
}
