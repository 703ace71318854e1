namespace MakerChecker.Gates.Snapshots;

/// <summary>
/// When a gate writes snapshots of its state, and where. A gate with a snapshot store starts from the newest snapshot
/// whose hash matches its <c>gate.snapshot_recorded</c> event, plus the events after it, instead of replaying the whole
/// log; a snapshot that is missing or does not match is logged and the gate replays from genesis (it never trusts one).
/// </summary>
public sealed class GateSnapshotOptions
{
    /// <summary>Where snapshots are kept.</summary>
    /// <value>The default value is <see langword="null"/>: no snapshots; the gate replays its whole log on start.</value>
    public IGateSnapshotStore? Store { get; init; }

    /// <summary>
    /// How many events after the last snapshot the gate writes the next one (after a decision, and right after start when
    /// the replay was that long). Taking one costs a pass over the gate's open state, under its decision lock.
    /// </summary>
    /// <value>The default value is 10,000.</value>
    public int Every { get; init; } = 10_000;

    /// <summary>Whether disposing the gate writes a snapshot when events were applied since the last one.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool OnDispose { get; init; } = true;

    /// <summary>
    /// Whether a gate that started from a snapshot then replays the log from genesis in the background and checks every
    /// recorded snapshot hash (<see cref="ApprovalGate.CheckSnapshotsAsync"/>). On a mismatch it logs an error (event id
    /// 3042) and rebuilds its state by full replay.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CheckInBackground { get; init; }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Every"/> is below 1.</exception>
    internal void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(Every, 1, nameof(Every));
}
