using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;

namespace MakerChecker.DependencyInjection;

/// <summary>
/// The audit log the container's <see cref="Gates.ApprovalGate"/> writes to, for the app's own use: a checkpoint signed
/// on demand, and the store to export a bundle from (<see cref="GetCheckpointedStoreAsync"/>: a checkpointed store signs a
/// checkpoint first and puts its signed checkpoints in the bundle's <c>transparency</c> member). Registered by
/// <c>services.AddMakerChecker(...)</c>; the gate owns the store and disposes it.
/// </summary>
public sealed class GateAuditLog
{
    internal GateAuditLog(IAuditStore store) => Store = store;

    /// <summary>The store exactly as the gate writes to it, opened on first use: read the log through it.</summary>
    public IAuditStore Store { get; }

    /// <summary>The checkpointed store the log is written through, or <see langword="null"/> when it is not checkpointed.</summary>
    /// <param name="cancellationToken">Cancels opening the log.</param>
    /// <returns>
    /// The store, opened; <see langword="null"/> for an in-memory log or with <see cref="AuditCheckpointOptions.Enabled"/> set to
    /// <see langword="false"/>.
    /// </returns>
    public async ValueTask<CheckpointedAuditStore?> GetCheckpointedStoreAsync(CancellationToken cancellationToken = default) =>
        (Store is DeferredAuditStore deferred ? await deferred.OpenAsync(cancellationToken).ConfigureAwait(false) : Store) as CheckpointedAuditStore;

    /// <summary>Signs a checkpoint of every event written so far (or returns the latest when nothing was written since).</summary>
    /// <param name="cancellationToken">Cancels opening the log or a remote signing call.</param>
    /// <returns>The checkpoint now latest.</returns>
    /// <exception cref="InvalidOperationException">The log is not checkpointed (in memory, or checkpoints turned off).</exception>
    /// <exception cref="CheckpointRefusedException">The log is empty.</exception>
    public async ValueTask<SignedCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        var store = await GetCheckpointedStoreAsync(cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException(
            "The gate's audit log is not checkpointed (it is in memory, or MakerCheckerOptions.Checkpoints.Enabled is false), so nothing signs it.");
        return await store.CheckpointAsync(cancellationToken).ConfigureAwait(false);
    }
}
