using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// The payload of one event type of the catalogue (<see cref="AuditEventCatalogue"/>): what the gate writes and every
/// reader reads back. Field names are camelCase; times are UTC ISO 8601 strings with seven fractional digits.
/// </summary>
/// <remarks>
/// The store appends the canonical bytes the record writes itself (<see cref="CanonicalEventEncoder"/>), which equal the
/// canonical form of <see cref="ToPayload"/>.
/// </remarks>
internal interface IAuditEventPayload : ICanonicalPayload
{
    /// <summary>The event type this payload is recorded under, for example <c>approval.decided</c>.</summary>
    string EventType { get; }

    /// <summary>The policy in force when the event was written: every event of the catalogue names it.</summary>
    string PolicyHash { get; }

    /// <summary>
    /// The payload as the audit log records it: every field, <see langword="null"/> ones included (as JSON null), except
    /// fields the catalogue documents as absent when null.
    /// </summary>
    /// <returns>A new JSON object the caller owns.</returns>
    new JsonObject ToPayload();
}

/// <summary>A payload type of the catalogue, with its event type and its source-generated JSON contract.</summary>
/// <typeparam name="TSelf">The payload type itself.</typeparam>
internal interface IAuditEventPayload<TSelf> : IAuditEventPayload
    where TSelf : struct, IAuditEventPayload<TSelf>
{
    /// <summary>The event type of every payload of this type.</summary>
    static abstract string Type { get; }

    /// <summary>The source-generated JSON contract that reads and writes this type.</summary>
    static abstract JsonTypeInfo<TSelf> JsonTypeInfo { get; }

    /// <inheritdoc/>
    void ICanonicalPayload.WriteCanonical(CanonicalJsonWriter writer) => CanonicalEventEncoder.Write((TSelf)this, writer);

    /// <summary>
    /// Writes <paramref name="payload"/>'s members straight into <paramref name="members"/>, in canonical key order, or
    /// returns <see langword="false"/> to have its JSON contract write them (the default). The records a gate writes on
    /// every invocation do it themselves; the bytes must equal the contract's (<see cref="CanonicalEventEncoder"/>).
    /// </summary>
    static virtual bool TryWriteMembers(in TSelf payload, ref CanonicalMembers members) => false;
}

/// <summary>A payload with a rule its JSON contract cannot state (for example "exactly one of two fields").</summary>
internal interface ISelfCheckingPayload
{
    /// <summary>The field that breaks the rule and what is wrong with it, or <see langword="null"/> when the payload is well formed.</summary>
    (string Field, string Problem)? Check();
}
