using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// Reads stored audit events as the catalogue's records. Unknown event types (other components') are not an error:
/// <see cref="TryRead"/> says so and the caller skips them. A known type whose payload its record cannot hold is an
/// <see cref="AuditEventFormatException"/> naming the seq, the event type and the field.
/// </summary>
internal static class AuditEventReader
{
    /// <summary>Reads an event whose type the caller has already matched to <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The payload record of <paramref name="e"/>'s event type.</typeparam>
    /// <param name="e">A stored event.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="AuditEventFormatException">The payload is not a well-formed <typeparamref name="T"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="e"/> is not of <typeparamref name="T"/>'s event type.</exception>
    public static T Read<T>(AuditEvent e)
        where T : struct, IAuditEventPayload<T>
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!string.Equals(e.EventType, T.Type, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Event seq {e.Seq} is {e.EventType}, not {T.Type}: match the event type before reading it as {typeof(T).Name}.", nameof(e));
        }

        T payload;
        try
        {
            payload = e.Payload.Deserialize(T.JsonTypeInfo);
        }
        catch (JsonException ex)
        {
            var (field, problem) = PayloadDiagnosis.Find(e.Payload, T.JsonTypeInfo) ?? (PathOf(ex), ex.Message);
            throw new AuditEventFormatException(e.Seq, e.EventType, field, problem, ex);
        }

        if (payload is ISelfCheckingPayload && ((ISelfCheckingPayload)payload).Check() is { } fault)
        {
            throw new AuditEventFormatException(e.Seq, e.EventType, fault.Field, fault.Problem);
        }
        return payload;
    }

    /// <summary>Reads an event of any type: its record when the catalogue knows its type, nothing when it does not.</summary>
    /// <param name="e">A stored event.</param>
    /// <param name="payload">The payload record (boxed), when the type is known.</param>
    /// <returns><see langword="false"/> for an event type the catalogue does not know: skip it.</returns>
    /// <exception cref="AuditEventFormatException">The type is known and the payload is not well formed.</exception>
    public static bool TryRead(AuditEvent e, [NotNullWhen(true)] out IAuditEventPayload? payload)
    {
        ArgumentNullException.ThrowIfNull(e);
        payload = AuditEventCatalogue.ReadBoxed(e);
        return payload is not null;
    }

    private static string? PathOf(JsonException ex) => ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
}
