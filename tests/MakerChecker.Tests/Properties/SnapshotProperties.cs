using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;

namespace MakerChecker.Tests.Properties;

/// <summary>
/// A gate that starts from a snapshot plus the tail of the log is the gate that replays the whole log: the same state
/// (hash of the canonical state) and the same decisions on what follows. A snapshot that does not hash to what the log
/// recorded is never used.
/// </summary>
public class SnapshotProperties
{
    private const int Cases = 1000;

    /// <summary>
    /// A random history, snapshotted at a random operation, continued by a random number of operations (the tail), and then
    /// restarted: the restarted gate starts from the snapshot, its state hash equals a full replay's, every recorded
    /// snapshot checks against the replay from genesis, and the rest of the history gets, operation by operation, the
    /// results a twin history that never used a snapshot gets. A snapshot with one bit flipped is refused (the gate then
    /// replays from genesis, to the same state).
    /// </summary>
    [Property(MaxTest = Cases)]
    public Property A_start_from_a_snapshot_and_a_full_replay_have_the_same_state_and_make_the_same_decisions() =>
        Prop.ForAll(GateScenario.Arbitrary, Holds);

    private static Property Holds(GateScenario s)
    {
        var rnd = new Random(s.Seed ^ 0x5a5);
        var cut = rnd.Next(0, s.Operations.Count + 1);
        var restart = rnd.Next(cut, s.Operations.Count + 1);
        var (prefix, tail, rest) = (s.Operations[..cut], s.Operations[cut..restart], s.Operations[restart..]);
        var snapshots = new InMemoryGateSnapshotStore();
        var options = new GateSnapshotOptions { Store = snapshots, OnDispose = false, Every = int.MaxValue };

        // The history with a snapshot at the cut, and its twin that never takes one.
        var snapshotted = s.NewTrace();
        var live = snapshotted.NewGate(options);
        GateScenario.Play(snapshotted, prefix, () => live);
        var taken = Sync(live.RecordSnapshotAsync());
        GateScenario.Play(snapshotted, tail, () => live);
        var twin = s.NewTrace();
        var twinGate = twin.NewGate();
        GateScenario.Play(twin, [.. prefix, .. tail], () => twinGate);

        // Restart: from the snapshot and the tail, and (for comparison) from genesis.
        var restored = snapshotted.NewGate(options);
        Sync(restored.InitializeAsync());
        var replayed = snapshotted.NewGate();
        Sync(replayed.InitializeAsync());
        var now = snapshotted.Time.GetUtcNow();
        var sameState = StateHash(restored, now) == StateHash(replayed, now);
        var checks = Sync(replayed.CheckSnapshotsAsync());

        // A flipped bit: refused, and the gate replays from genesis instead.
        var bytes = Sync(snapshots.ReadAsync(taken.Seq))!;
        bytes[rnd.Next(bytes.Length)] ^= (byte)(1 << rnd.Next(8));
        var tampered = new InMemoryGateSnapshotStore();
        Sync(tampered.SaveAsync(taken.Seq, bytes));
        var refused = snapshotted.NewGate(new GateSnapshotOptions { Store = tampered, OnDispose = false, Every = int.MaxValue });
        Sync(refused.InitializeAsync());

        // The rest of the history: the restored gate and a restarted twin decide alike.
        var twinRestarted = twin.NewGate();
        Sync(twinRestarted.InitializeAsync());
        GateScenario.Play(snapshotted, rest, () => restored);
        GateScenario.Play(twin, rest, () => twinRestarted);
        var sameResults = snapshotted.Results.Select(r => (r.Op, r.Result.ReasonCode)).SequenceEqual(twin.Results.Select(r => (r.Op, r.Result.ReasonCode)))
            && snapshotted.Runs.Select(r => (r.Kind, r.PrincipalId, r.Skill, r.Payload)).SequenceEqual(twin.Runs.Select(r => (r.Kind, r.PrincipalId, r.Skill, r.Payload)));
        var afterRest = snapshotted.NewGate();
        Sync(afterRest.InitializeAsync());
        var end = snapshotted.Time.GetUtcNow();
        var sameStateAfterRest = StateHash(restored, end) == StateHash(afterRest, end);

        return (restored.StartedFromSnapshot == taken.Seq).Label($"started from the snapshot at {taken.Seq}: {restored.StartedFromSnapshot}")
            .And(sameState.Label("snapshot + tail has the state of a full replay"))
            .And((checks.Snapshots.Count == 1 && checks.FirstMismatch is null).Label("the recorded hash checks against the replay from genesis"))
            .And((refused.StartedFromSnapshot == 0 && StateHash(refused, now) == StateHash(replayed, now)).Label("a tampered snapshot is refused"))
            .And(sameResults.Label("the rest of the history is decided alike"))
            .And(sameStateAfterRest.Label("and ends in the same state"));
    }

    internal static string StateHash(ApprovalGate gate, DateTimeOffset at) => GateSnapshot.Hash(GateSnapshot.Write(gate.State, at));

    private static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    private static void Sync(ValueTask task) => task.AsTask().GetAwaiter().GetResult();
}
