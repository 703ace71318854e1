using System.Collections.Concurrent;

namespace MakerChecker.Gates.Snapshots;

/// <summary>Gate snapshots kept in memory: for tests, and for gates over an in-memory log. Thread-safe.</summary>
public sealed class InMemoryGateSnapshotStore : IGateSnapshotStore
{
    private readonly ConcurrentDictionary<long, byte[]> _snapshots = new();

    /// <inheritdoc/>
    public ValueTask SaveAsync(long seq, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken = default)
    {
        _snapshots[seq] = snapshot.ToArray();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<long>> ListAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<long>>([.. _snapshots.Keys.OrderDescending()]);

    /// <inheritdoc/>
    public ValueTask<byte[]?> ReadAsync(long seq, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_snapshots.TryGetValue(seq, out var bytes) ? (byte[]?)bytes.ToArray() : null);
}
