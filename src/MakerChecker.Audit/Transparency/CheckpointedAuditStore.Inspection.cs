using MakerChecker.Audit.Stores;

namespace MakerChecker.Audit.Transparency;

/// <summary>Read-only inspection of a checkpointed log: opening it without writing, and checking it extends an older checkpoint.</summary>
public sealed partial class CheckpointedAuditStore
{
    /// <summary>
    /// Opens the transparency layer over <paramref name="inner"/> for inspection: the tree is rebuilt in memory, no file
    /// is written, and a log that no longer extends its checkpoint still opens (see <see cref="OpenReport"/>).
    /// </summary>
    /// <param name="inner">The log. On success the returned store owns it.</param>
    /// <param name="options">The verifier key (or signer) and where the files are.</param>
    /// <param name="cancellationToken">Cancels reading the log.</param>
    /// <returns>The read-only store.</returns>
    /// <exception cref="AuditStoreException">The checkpoint history cannot be read or fails verification.</exception>
    public static Task<CheckpointedAuditStore> OpenReadOnlyAsync(IAuditStore inner, CheckpointedAuditStoreOptions options,
        CancellationToken cancellationToken = default) =>
        OpenCoreAsync(inner, options, readOnly: true, cancellationToken);

    /// <summary>
    /// Checks that the log extends <paramref name="older"/> (a checkpoint an inspector kept from an earlier audit). When
    /// it does not, the report says whether the log is shorter or rewritten and, when the hash file beside a read-only
    /// log still holds the older tree, the first divergent event (<see cref="ConsistencyReport.FirstDivergentLeaf"/> + 1).
    /// </summary>
    /// <param name="older">The earlier checkpoint, its signature already verified.</param>
    /// <param name="cancellationToken">Cancels the wait for a running append.</param>
    /// <returns>The report, with the consistency proof to the current size when the log extends it.</returns>
    public async ValueTask<ConsistencyReport> CheckExtendsAsync(Checkpoint older, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(older);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var olderTree = _olderTree is { } t && t.Size >= older.Size && t.RootAt(older.Size) == older.Root ? t : null;
            return LogConsistency.CheckExtends(older, _tree, olderTree);
        }
        finally
        {
            _gate.Release();
        }
    }
}
