using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// <c>gate.snapshot_recorded</c>: a gate wrote a snapshot of its state (its projection of the log) as it stood after event
/// <c>seq</c>, and records here the SHA-256 of the snapshot's canonical bytes. The bytes are kept beside the log; a gate
/// starts from a snapshot only when its hash matches this event, and <c>makerchecker audit check-snapshots</c> replays the
/// log from genesis to check that the state at <c>seq</c> really has this hash. Written right after event <c>seq</c>
/// (it is event <c>seq</c> + 1) and changes no gate state. Entity <c>gate_snapshot</c> / <c>seq</c> in decimal; actor <c>system</c>.
/// </summary>
/// <param name="PolicyHash">The policy in force when the snapshot was taken.</param>
/// <param name="Seq">The seq of the last event the snapshot's state includes.</param>
/// <param name="HeadHash">The hash of event <c>seq</c>: the event the state ends with.</param>
/// <param name="StateHash">The snapshot's canonical bytes' SHA-256, <c>sha256:</c> and 64 lowercase hex digits.</param>
/// <param name="Format">The snapshot format, <c>1</c>.</param>
/// <param name="TakenAt">When the snapshot was taken (by the gate's clock); nothing older than its windows before it is kept.</param>
[method: JsonConstructor]
internal readonly record struct GateSnapshotRecorded(string PolicyHash, long Seq, string HeadHash, string StateHash, int Format, DateTimeOffset TakenAt)
    : IAuditEventPayload<GateSnapshotRecorded>
{
    /// <inheritdoc/>
    public static string Type => AuditEventTypes.GateSnapshotRecorded;

    /// <inheritdoc/>
    public static JsonTypeInfo<GateSnapshotRecorded> JsonTypeInfo => AuditEventJsonContext.Default.GateSnapshotRecorded;

    /// <inheritdoc/>
    [JsonIgnore]
    public string EventType => Type;

    /// <inheritdoc/>
    public JsonObject ToPayload() => new()
    {
        ["policyHash"] = PolicyHash,
        ["seq"] = Seq,
        ["headHash"] = HeadHash,
        ["stateHash"] = StateHash,
        ["format"] = Format,
        ["takenAt"] = AuditTime.Format(TakenAt),
    };
}
