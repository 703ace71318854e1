namespace MakerChecker.Gates.Snapshots;

/// <summary>
/// Where a gate keeps the bytes of its state snapshots, beside its audit log. The log records each snapshot's hash
/// (<c>gate.snapshot_recorded</c>), so a store need not be trusted: a gate starts from a snapshot only when its bytes hash
/// to what the log recorded, and otherwise replays the log from genesis.
/// </summary>
public interface IGateSnapshotStore
{
    /// <summary>Keeps the snapshot of the state after event <paramref name="seq"/>, replacing any earlier one at that seq.</summary>
    /// <param name="seq">The seq of the last event the state includes.</param>
    /// <param name="snapshot">The snapshot's canonical bytes.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    ValueTask SaveAsync(long seq, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default);

    /// <summary>The seqs of the snapshots kept, newest first.</summary>
    /// <param name="cancellationToken">Stops the listing.</param>
    ValueTask<IReadOnlyList<long>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The bytes of the snapshot at <paramref name="seq"/>, or <see langword="null"/> when none is kept.</summary>
    /// <param name="seq">The snapshot's seq.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    ValueTask<byte[]?> ReadAsync(long seq, CancellationToken cancellationToken = default);
}
