using MakerChecker.Audit.Signing;

namespace MakerChecker.DependencyInjection;

/// <summary>
/// How the audit log a gate writes through <c>services.AddMakerChecker(...)</c> is signed as it is written: the gate's store
/// is a <see cref="Audit.Transparency.CheckpointedAuditStore"/> that signs a C2SP checkpoint (the log's size and Merkle
/// root, as a signed note) every <see cref="CheckpointEveryEvents"/> events and every <see cref="CheckpointInterval"/>,
/// when the gate closes, and on demand. This is on by default; it needs the app's Ed25519 key (<see cref="KeyPath"/> or
/// <see cref="Signer"/>), made once with <c>makerchecker keygen --out keys</c>.
/// </summary>
/// <remarks>
/// An <see cref="Audit.Stores.InMemoryAuditStore"/> is used as it is: it is gone when the process ends, so there is no
/// later log for a checkpoint to vouch for. Every durable store (a file, SQLite, PostgreSQL, your own) is checkpointed
/// unless <see cref="Enabled"/> is set to <see langword="false"/>.
/// </remarks>
public sealed class AuditCheckpointOptions
{
    /// <summary>
    /// Whether the log is checkpointed. Set it to <see langword="false"/> only to opt out on purpose: the log stays
    /// hash-chained, but nothing signs it as it is written, so whoever can write the log's storage can truncate or
    /// rewrite it and recompute the chain without detection; no receipt can prove one event is in the log; and a bundle's
    /// signature then proves only who exported the file, not what the app wrote.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The app's Ed25519 private key file (PKCS#8 PEM), as <c>makerchecker keygen --out keys</c> makes it
    /// (<c>keys/makerchecker.key</c>). Set this or <see cref="Signer"/>. Read once, when the options are validated.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Signs the checkpoints with key material the app holds (<see cref="Ed25519AuditSigner.FromPem(string)"/>) or a
    /// remote key (an HSM or a KMS). Set this or <see cref="KeyPath"/>. The app keeps ownership: it is not disposed.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IAuditSigner? Signer { get; set; }

    /// <summary>The checkpoint origin line, which is also the key's name in the <c>vkey</c>; keep it fixed for the life of the log.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: the origin already in the checkpoint history, else <c>makerchecker.audit/&lt;instance id&gt;</c>.
    /// </value>
    public string? Origin { get; set; }

    /// <summary>
    /// Where the checkpoint history (<c>&lt;prefix&gt;.checkpoints</c>) and the tree's hashes (<c>&lt;prefix&gt;.merkle</c>) are kept.
    /// Required for a database store (SQLite, PostgreSQL), which has no file of its own to put them beside.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: beside the log for a file store (<c>audit.jsonl.checkpoints</c>).</value>
    public string? FilePrefix { get; set; }

    /// <summary>A checkpoint is signed once this many events have been appended since the last one.</summary>
    /// <value>The default value is 1000.</value>
    public long CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>A checkpoint is signed once this long has passed since the last one, if any event arrived meanwhile.</summary>
    /// <value>The default value is one minute.</value>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock of <see cref="CheckpointInterval"/>.</summary>
    /// <value>The default value is <see langword="null"/>: the gate's <see cref="MakerCheckerOptions.TimeProvider"/>.</value>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>What is wrong with these options, each naming the option to fix; empty when they can make a checkpointed store.</summary>
    internal IEnumerable<string> Check()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (KeyPath is not null && Signer is not null)
        {
            yield return "Set at most one of MakerCheckerOptions.Checkpoints.KeyPath and MakerCheckerOptions.Checkpoints.Signer.";
        }

        if (CheckpointEveryEvents < 1)
        {
            yield return $"MakerCheckerOptions.Checkpoints.CheckpointEveryEvents must be at least 1 (it is {CheckpointEveryEvents}).";
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            yield return $"MakerCheckerOptions.Checkpoints.CheckpointInterval must be positive (it is {CheckpointInterval}).";
        }
    }

    /// <summary>The error for a durable log with no key: what is missing, the command that makes a key, and how to opt out.</summary>
    internal static string MissingKey(string store) =>
        $"MakerCheckerOptions.Checkpoints.KeyPath is not set, and the audit log ({store}) is signed as it is written by default. " +
        "Make the app's key once with 'makerchecker keygen --out keys' (from the repository: dotnet run --project src/MakerChecker.Cli -- keygen --out keys) " +
        "and set Checkpoints.KeyPath = \"keys/makerchecker.key\" (or Checkpoints.Signer), or opt out with Checkpoints.Enabled = false " +
        "(the log is then hash-chained but unsigned: truncation or a rewrite by whoever can write its storage goes undetected, and no receipts).";
}
