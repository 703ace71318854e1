namespace MakerChecker.Audit.Stores;

/// <summary>Options of <see cref="FileAuditStore"/>.</summary>
public sealed class FileAuditStoreOptions
{
    /// <summary>
    /// The instance id a new log is rooted in. For an existing log it must match, if set.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a new UUID for a new log, whatever is recorded for an existing one.</value>
    public string? InstanceId { get; set; }

    /// <summary>When appended events are forced to disk.</summary>
    /// <value>The default value is <see cref="AuditFsyncPolicy.GroupCommit"/>.</value>
    public AuditFsyncPolicy FsyncPolicy { get; set; } = AuditFsyncPolicy.GroupCommit;

    /// <summary>
    /// With group commit, how long the writer waits after the first pending append for others to join the group.
    /// Zero relies on the natural grouping of appends that arrive during a flush.
    /// </summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>. At most one second.</value>
    public TimeSpan GroupCommitWindow { get; set; } = TimeSpan.Zero;

    /// <summary>The most events written and flushed as one group.</summary>
    /// <value>The default value is 4096.</value>
    public int MaxGroupSize { get; set; } = 4096;

    /// <summary>The clock for <c>occurredAt</c> and the group-commit window.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The source of event ids.</summary>
    /// <value>The default value is <see cref="Guid.NewGuid"/>.</value>
    public Func<Guid> IdGenerator { get; set; } = Guid.NewGuid;

    internal void Validate()
    {
        if (GroupCommitWindow < TimeSpan.Zero || GroupCommitWindow > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(GroupCommitWindow), GroupCommitWindow, "The group-commit window must be between zero and one second.");
        }

        if (MaxGroupSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxGroupSize), MaxGroupSize, "The group size must be at least 1.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(IdGenerator);
    }
}
