using MakerChecker.Audit.Signing;

namespace MakerChecker.Audit.Partitions;

/// <summary>Options of a <see cref="PartitionedAuditLog"/>: who signs, where the derived files go, and how often a round is signed.</summary>
public sealed class PartitionedAuditLogOptions
{
    /// <summary>
    /// Signs every chain's checkpoints and the index. Without one, the chains are not checkpointed and no index is kept
    /// (for tests and demos in memory only).
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IAuditSigner? Signer { get; set; }

    /// <summary>
    /// The deployment's origin: the index key's name; chain <c>c</c>'s checkpoints have origin (and key name) <c>Origin/c</c>.
    /// Required with a <see cref="Signer"/>; keep it fixed for the life of the log.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Origin { get; set; }

    /// <summary>
    /// Where the derived files are kept: each chain's <c>CHAIN.checkpoints</c> and <c>CHAIN.merkle</c> (for a file store, beside its
    /// <c>CHAIN.jsonl</c>), and the index, <see cref="PartitionedAuditLog.IndexFileName"/>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the directory of <see cref="PartitionedAuditLog.OpenDirectoryAsync"/>; for other
    /// stores the checkpoint histories and the index are kept in memory only.
    /// </value>
    public string? Directory { get; set; }

    /// <summary>Each chain signs a checkpoint once this many events have been appended to it since its last one.</summary>
    /// <value>The default value is 1000.</value>
    public long CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>A round (every chain's checkpoint, then the index) is signed once this long has passed, if any chain grew meanwhile.</summary>
    /// <value>The default value is one minute.</value>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock of the checkpoint interval.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (Signer is not null && string.IsNullOrEmpty(Origin))
        {
            throw new ArgumentException("A signed partitioned log needs its Origin (for example audit.example.com/claims).", nameof(Origin));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEveryEvents, 1, nameof(CheckpointEveryEvents));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CheckpointInterval, TimeSpan.Zero, nameof(CheckpointInterval));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
