namespace MakerChecker.Audit.Verification;

/// <summary>
/// The stable codes a verdict or a canonicalization error carries. Code against these, not against the wording
/// of <see cref="AuditVerdict.Reason"/>.
/// </summary>
public static class AuditReasonCodes
{
    /// <summary>The text is not well-formed JSON, or a bundle or row lacks the structure the spec requires.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>An object has the same key twice (I-JSON forbids it; parsers disagree on which one wins).</summary>
    public const string DuplicateKey = "duplicate_key";

    /// <summary>The bytes are not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary>Bytes follow the JSON value.</summary>
    public const string TrailingData = "trailing_data";

    /// <summary>A number that parsers would read differently (beyond 2^53, beyond double precision, or overflowing).</summary>
    public const string AmbiguousNumber = "ambiguous_number";

    /// <summary>A string holds an unpaired surrogate: a spec violation (I-JSON), distinct from tampering.</summary>
    public const string IllFormedString = "ill_formed_string";

    /// <summary>The manifest is missing a field, has one of the wrong type, or an unsupported schema version.</summary>
    public const string MalformedManifest = "malformed_manifest";

    /// <summary>An event row is missing a field, has an unknown or mistyped one, or a badly formed value.</summary>
    public const string MalformedEvent = "malformed_event";

    /// <summary>The manifest's <c>publicKeyPem</c> is not an Ed25519 SPKI PEM public key.</summary>
    public const string InvalidPublicKey = "invalid_public_key";

    /// <summary>The manifest signature does not verify under the manifest's public key.</summary>
    public const string SignatureInvalid = "signature_invalid";

    /// <summary>The manifest's public key is not the pinned key.</summary>
    public const string PinnedKeyMismatch = "pinned_key_mismatch";

    /// <summary>The number of events differs from the manifest's <c>count</c>.</summary>
    public const string CountMismatch = "count_mismatch";

    /// <summary>The digest of the event hashes differs from the manifest's <c>eventHashesDigest</c>.</summary>
    public const string DigestMismatch = "digest_mismatch";

    /// <summary>An event's recomputed hash differs from its stored <c>hash</c>: its content was altered.</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>The first event is not the <c>audit.genesis</c> event rooted in the instance id.</summary>
    public const string GenesisMismatch = "genesis_mismatch";

    /// <summary>An event's <c>prev_hash</c> is not the previous event's <c>hash</c>.</summary>
    public const string BrokenChain = "broken_chain";

    /// <summary>An event's <c>seq</c> is out of order (not consecutive in a full log, not increasing in a run).</summary>
    public const string SeqMismatch = "seq_mismatch";

    /// <summary>A run bundle holds an event of another run.</summary>
    public const string ForeignRunEvent = "foreign_run_event";

    /// <summary>The last event's hash differs from the manifest's <c>headHash</c>.</summary>
    public const string HeadMismatch = "head_mismatch";

    /// <summary>
    /// The bundle's optional <c>transparency</c> section is malformed, is not signed by the bundle's key, or its
    /// checkpoints do not form one consistent history.
    /// </summary>
    public const string TransparencyInvalid = "transparency_invalid";

    /// <summary>
    /// A checkpoint in the bundle's <c>transparency</c> section does not match the bundle's events: its root is not the Merkle root
    /// of the first <c>size</c> events, or it covers more events than the bundle holds.
    /// </summary>
    public const string CheckpointMismatch = "checkpoint_mismatch";

    /// <summary>
    /// The log holds fewer events than its latest signed checkpoint covers: it was truncated or rolled back (newest
    /// events cut off), even if what is left still chains.
    /// </summary>
    public const string LogShorterThanCheckpoint = "log_shorter_than_checkpoint";

    /// <summary>
    /// The Merkle root of the log's first <c>size</c> events is not the root its signed checkpoint of that size signed:
    /// events were rewritten, even if the chain was recomputed and verifies.
    /// </summary>
    public const string LogDivergesFromCheckpoint = "log_diverges_from_checkpoint";

    /// <summary>A checkpoint of an empty log was asked for; one is never signed (it commits to nothing).</summary>
    public const string EmptyLog = "empty_log";

    /// <summary>A checkpoint's origin is not the log's (the checkpoint history belongs to another log).</summary>
    public const string OriginMismatch = "origin_mismatch";

    /// <summary>
    /// The checkpoint history beside a log cannot be used: a record is malformed, badly signed, signed by a key other
    /// than the pinned one, or inconsistent with the record before it.
    /// </summary>
    public const string CheckpointHistoryInvalid = "checkpoint_history_invalid";

    /// <summary>
    /// The log's checkpoint key was given (pinned) but no signed checkpoint is beside the log: the history was removed or
    /// emptied, or the log was never checkpointed.
    /// </summary>
    public const string CheckpointMissing = "checkpoint_missing";

    /// <summary>
    /// A receipt was asked for an event that no signed checkpoint covers yet; inspection never signs one (the log's
    /// writer does: <c>makerchecker audit checkpoint</c> or <c>CheckpointedAuditStore.CheckpointAsync</c>).
    /// </summary>
    public const string EventNotCheckpointed = "event_not_checkpointed";

    /// <summary>A partitioned log has no signed index (<c>partitions.index</c>), so a missing or truncated chain cannot be detected.</summary>
    public const string PartitionIndexMissing = "partition_index_missing";

    /// <summary>The partition index is malformed, not signed by the pinned key, or names another origin.</summary>
    public const string PartitionIndexInvalid = "partition_index_invalid";

    /// <summary>The signed partition index lists a chain that is not there: a whole chain was removed.</summary>
    public const string PartitionMissing = "partition_missing";

    /// <summary>A chain is there that the signed partition index does not list: added outside the log's writer, or the index is stale.</summary>
    public const string PartitionNotIndexed = "partition_not_indexed";

    /// <summary>A chain holds fewer events than the signed partition index lists for it: truncated or rolled back.</summary>
    public const string PartitionShorterThanIndex = "partition_shorter_than_index";

    /// <summary>The root of a chain's first n events is not the root the signed partition index lists for it at size n: rewritten.</summary>
    public const string PartitionDivergesFromIndex = "partition_diverges_from_index";
}
