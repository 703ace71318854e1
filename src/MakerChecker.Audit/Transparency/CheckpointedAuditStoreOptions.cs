using MakerChecker.Audit.Signing;

namespace MakerChecker.Audit.Transparency;

/// <summary>Options of a <see cref="CheckpointedAuditStore"/>: who signs, where the derived files go, and how often to checkpoint.</summary>
public sealed class CheckpointedAuditStoreOptions
{
    /// <summary>Signs the checkpoints. Required to open for writing; a read-only store needs only <see cref="VerifierKey"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IAuditSigner? Signer { get; set; }

    /// <summary>
    /// The key checkpoints are verified with, for a store opened read-only without a signer. When a signer is given the
    /// key is derived from it (named after the origin) and this must be <see langword="null"/> or the same key.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public NoteVerifierKey? VerifierKey { get; set; }

    /// <summary>
    /// The checkpoint origin line, which is also the signing key's name. Keep it fixed for the life of the log: the
    /// checkpoint history refuses a different one.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the verifier key's name, else the origin of the checkpoint history beside the log,
    /// else <c>makerchecker.audit/&lt;instance id&gt;</c>.
    /// </value>
    public string? Origin { get; set; }

    /// <summary>
    /// Where the derived files are kept: <c>&lt;prefix&gt;.merkle</c> (the tree's hashes) and <c>&lt;prefix&gt;.checkpoints</c>
    /// (the checkpoint history).
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the log's path for a <see cref="Stores.FileAuditStore"/>; for any other
    /// store both are kept in memory only (give a prefix to keep the checkpoint history of a database-backed log).
    /// </value>
    public string? FilePrefix { get; set; }

    /// <summary>
    /// Keeps the tree's hashes in this store instead of <c>&lt;prefix&gt;.merkle</c>.
    /// It is checked against the log on open and extended or repaired from it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IMerkleHashStore? HashStore { get; set; }

    /// <summary>A checkpoint is signed once this many events have been appended since the last one.</summary>
    /// <value>The default value is 1000.</value>
    public long CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>A checkpoint is signed once this long has passed since the last one, if any event arrived meanwhile.</summary>
    /// <value>The default value is one minute.</value>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock of the checkpoint interval.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate(bool readOnly)
    {
        if (!readOnly && Signer is null)
        {
            throw new InvalidOperationException("A checkpointed store opened for writing needs a Signer for its checkpoints.");
        }

        if (readOnly && Signer is null && VerifierKey is null)
        {
            throw new InvalidOperationException("A read-only checkpointed store needs the log's VerifierKey (or its Signer) to check the checkpoints.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEveryEvents, 1, nameof(CheckpointEveryEvents));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CheckpointInterval, TimeSpan.Zero, nameof(CheckpointInterval));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
