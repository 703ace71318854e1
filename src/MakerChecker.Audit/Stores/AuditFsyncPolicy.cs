namespace MakerChecker.Audit.Stores;

/// <summary>When <see cref="FileAuditStore"/> forces appended events to disk before acknowledging them.</summary>
public enum AuditFsyncPolicy
{
    /// <summary>
    /// Appends that arrive while a flush is under way are written and flushed together (one fsync for the group).
    /// An append waits for at most one flush in progress, its own flush, and <see cref="FileAuditStoreOptions.GroupCommitWindow"/>.
    /// </summary>
    GroupCommit = 0,

    /// <summary>Every event is written and flushed on its own before the next one is written.</summary>
    PerAppend = 1,
}
