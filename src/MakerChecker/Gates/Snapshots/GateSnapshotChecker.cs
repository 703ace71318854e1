using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Gates.Snapshots;

/// <summary>One recorded snapshot hash, checked against a replay of the log from genesis.</summary>
/// <param name="Seq">The seq the snapshot's state ends with.</param>
/// <param name="EventSeq">The seq of its <c>gate.snapshot_recorded</c> event.</param>
/// <param name="RecordedHash">The state hash the event recorded.</param>
/// <param name="ReplayedHash">
/// The hash of the state replayed from genesis to <paramref name="Seq"/>; null when the event does not directly follow that seq.
/// </param>
public sealed record GateSnapshotCheckEntry(long Seq, long EventSeq, string RecordedHash, string? ReplayedHash)
{
    /// <summary>Whether the replayed state has the recorded hash.</summary>
    public bool Matches => ReplayedHash == RecordedHash;
}

/// <summary>What <see cref="GateSnapshotChecker.CheckAsync"/> found.</summary>
/// <param name="EventCount">How many events were replayed.</param>
/// <param name="Snapshots">Every recorded snapshot hash, in log order, with the replayed one.</param>
public sealed record GateSnapshotCheckResult(long EventCount, IReadOnlyList<GateSnapshotCheckEntry> Snapshots)
{
    /// <summary>The first snapshot whose recorded hash the replay does not reproduce, or <see langword="null"/> when all do.</summary>
    public GateSnapshotCheckEntry? FirstMismatch => Snapshots.FirstOrDefault(s => !s.Matches);
}

/// <summary>
/// Checks a log's recorded gate snapshots (<c>gate.snapshot_recorded</c>) the way an inspector would: replays the log from
/// genesis through the gate's own projection and, at each recorded snapshot, compares the hash of the replayed state
/// (written as of the snapshot's <c>takenAt</c>) with the recorded one. It needs no snapshot bytes: a match proves that
/// a gate starting from that snapshot starts from the state the log implies.
/// </summary>
public static class GateSnapshotChecker
{
    /// <summary>Replays <paramref name="store"/> from genesis and checks every recorded snapshot hash.</summary>
    /// <param name="store">The audit log.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    /// <returns>Every recorded snapshot with the hash the replay gives.</returns>
    /// <exception cref="AuditStoreException">The log does not chain, or could not be read.</exception>
    /// <exception cref="AuditEventFormatException">A gate event's payload is malformed.</exception>
    public static async ValueTask<GateSnapshotCheckResult> CheckAsync(IAuditStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var state = new GateProjection();
        var checks = new List<GateSnapshotCheckEntry>();
        long count = 0;
        await foreach (var e in store.ReadAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (e.EventType == AuditEventTypes.GateSnapshotRecorded)
            {
                var recorded = AuditEventReader.Read<GateSnapshotRecorded>(e);
                var replayed = recorded.Seq == state.LastSeq && recorded.HeadHash == state.Head
                    ? GateSnapshot.Hash(GateSnapshot.Write(state, recorded.TakenAt))
                    : null;
                checks.Add(new GateSnapshotCheckEntry(recorded.Seq, e.Seq, recorded.StateHash, replayed));
            }
            state.Apply(e, replaying: true);
            count++;
        }
        return new GateSnapshotCheckResult(count, checks);
    }
}
