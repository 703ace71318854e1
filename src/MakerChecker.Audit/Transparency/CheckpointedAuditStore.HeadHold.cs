using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>The hold of the chain's append lock (<see cref="IAuditHeadHold"/>) is the inner store's: the tree only follows its appends.</summary>
public sealed partial class CheckpointedAuditStore : IAuditHeadHold
{
    /// <inheritdoc/>
    /// <remarks><see langword="null"/> when the inner store cannot hold the lock.</remarks>
    public ValueTask<IAsyncDisposable?> HoldHeadAsync(CancellationToken cancellationToken = default) =>
        _inner is IAuditHeadHold inner ? inner.HoldHeadAsync(cancellationToken) : ValueTask.FromResult<IAsyncDisposable?>(null);
}
