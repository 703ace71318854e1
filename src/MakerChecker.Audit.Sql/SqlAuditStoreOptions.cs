namespace MakerChecker.Audit.Stores;

/// <summary>Options shared by the SQL audit stores (SQLite and PostgreSQL).</summary>
public sealed class SqlAuditStoreOptions
{
    /// <summary>The instance id a new log is rooted in. For an existing log it must match, if set.</summary>
    /// <value>The default value is <see langword="null"/>: a new UUID for a new log, whatever is recorded for an existing one.</value>
    public string? InstanceId { get; set; }

    /// <summary>The most appends committed as one transaction (group commit).</summary>
    /// <value>The default value is 512.</value>
    public int MaxGroupSize { get; set; } = 512;

    /// <summary>How long an append waits for the write lock another connection or process holds before it fails.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock for <c>occurredAt</c>.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The source of event ids.</summary>
    /// <value>The default value is <see cref="Guid.NewGuid"/>.</value>
    public Func<Guid> IdGenerator { get; set; } = Guid.NewGuid;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxGroupSize, 1, nameof(MaxGroupSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(LockTimeout, TimeSpan.FromMilliseconds(1), nameof(LockTimeout));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentNullException.ThrowIfNull(IdGenerator);
    }
}
