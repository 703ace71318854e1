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

    /// <summary>
    /// How many bytes at the end of the file <see cref="FileAuditStore.OpenAsync"/> verifies (every hash, and every link
    /// but the first row's), besides the genesis row and the bytes after the last line break, so that opening costs the
    /// same whatever the length of the history. The rows before them are verified by <c>makerchecker audit verify</c>
    /// (<see cref="Verification.AuditStoreVerifier"/>), not on open: docs/stores.md, "What opening checks".
    /// <see cref="long.MaxValue"/> verifies the whole file on every open.
    /// </summary>
    /// <value>The default value is 8 MiB (about 9,000 rows of a typical size).</value>
    public long OpenVerificationBytes { get; set; } = DefaultOpenVerificationBytes;

    internal const long DefaultOpenVerificationBytes = 8L << 20;

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

        if (OpenVerificationBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(OpenVerificationBytes), OpenVerificationBytes,
                "The bytes verified on open must be zero or more (long.MaxValue verifies the whole file).");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(IdGenerator);
    }
}
