using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Events;

/// <summary>
/// A payload that writes its own canonical JSON (RFC 8785), so that a store appends it without building, serializing and
/// re-parsing a <see cref="JsonObject"/>. An <see cref="AuditEntry"/> made from one builds <see cref="AuditEntry.Payload"/>
/// only if someone reads it. Both members describe the same JSON: their canonical bytes are equal.
/// </summary>
internal interface ICanonicalPayload
{
    /// <summary>Appends the payload's canonical JSON to <paramref name="writer"/>'s output.</summary>
    /// <param name="writer">The canonical writer of the append in progress.</param>
    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a string holds a lone surrogate).</exception>
    void WriteCanonical(CanonicalJsonWriter writer);

    /// <summary>
    /// The payload as the audit log records it: every field, <see langword="null"/> ones included (as JSON null), except
    /// fields the catalogue documents as absent when null.
    /// </summary>
    /// <returns>A new JSON object the caller owns.</returns>
    JsonObject ToPayload();
}
