using System.Text.Json;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// Writes a catalogue record's payload as canonical JSON (RFC 8785) straight from the record: its source-generated JSON
/// contract writes it into a pooled buffer, and the canonical writer puts the members in key order and the strings and
/// numbers in canonical form. No <c>JsonObject</c> is built, and nothing is parsed back into one. Any record of the
/// catalogue works as it is: the contract is the one its readers use, and a test holds the bytes equal to
/// <see cref="IAuditEventPayload"/>'s <c>ToPayload</c> canonicalized, for every record and any field values.
/// </summary>
internal static class CanonicalEventEncoder
{
    /// <summary>Appends <paramref name="payload"/>'s canonical JSON to <paramref name="output"/>.</summary>
    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a string holds a lone surrogate).</exception>
    public static void Write<T>(in T payload, CanonicalJsonWriter output)
        where T : struct, IAuditEventPayload<T>
    {
        var json = JsonScratch.Rent();
        var mark = output.Output.Length;
        try
        {
            // A lone surrogate comes out as U+FFFD: text holding U+FFFD (rare, and legitimate too) takes the path below,
            // which refuses the one and keeps the other.
            if (TrySerialize(payload, json) && !json.HoldsReplacementCharacter())
            {
                output.WriteDocument(json.Written);
                return;
            }
        }
        catch (CanonicalJsonException)
        {
            // Refused: the JsonObject path below says why exactly as it always has (the first fault it finds, when there are several).
            output.Output.Length = mark;
        }
        finally
        {
            JsonScratch.Return(json);
        }

        // What the contract refuses to write (a null where its annotations say none) or the canonical form refuses takes
        // the JsonObject path, which gives the same bytes or the same refusal as before the contract wrote payloads.
        JsonCanonicalizer.Write(payload.ToPayload(), output);
    }

    private static bool TrySerialize<T>(in T payload, JsonScratch json)
        where T : struct, IAuditEventPayload<T>
    {
        try
        {
            JsonSerializer.Serialize(json.Writer, payload, T.JsonTypeInfo);
            json.Writer.Flush();
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException or NotSupportedException)
        {
            return false;
        }
    }
}
