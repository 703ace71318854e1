using System.Text.Json;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// Writes a catalogue record's payload as canonical JSON (RFC 8785) straight from the record: its source-generated JSON
/// contract writes it into a pooled buffer, and the canonical writer puts the members in key order and the strings and
/// numbers in canonical form. No <c>JsonObject</c> is built, and nothing is parsed back into one. Any record of the
/// catalogue works as it is: the contract is the one its readers use, and a test holds the bytes equal to
/// <see cref="IAuditEventPayload"/>'s <c>ToPayload</c> canonicalized, for every record and any field values. The few
/// records written on every invocation skip the contract and write their members in key order
/// (<see cref="IAuditEventPayload{TSelf}.TryWriteMembers"/>), held to the same bytes by the same test.
/// </summary>
internal static class CanonicalEventEncoder
{
    /// <summary>Appends <paramref name="payload"/>'s canonical JSON to <paramref name="output"/>.</summary>
    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a string holds a lone surrogate).</exception>
    public static void Write<T>(in T payload, CanonicalJsonWriter output)
        where T : struct, IAuditEventPayload<T>
    {
        var mark = output.Output.Length;
        try
        {
            // The records the gate writes on every invocation write their members in key order themselves: nothing to sort.
            var members = new CanonicalMembers(output);
            if (T.TryWriteMembers(payload, ref members))
            {
                members.End();
                return;
            }
        }
        catch (CanonicalJsonException)
        {
            output.Output.Length = mark; // refused: the paths below refuse it too, with the message they always gave
        }

        var json = JsonScratch.Rent();
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

/// <summary>
/// Writes one JSON object's members as canonical JSON, in the order given: the caller gives them in canonical key order
/// (RFC 8785: by UTF-16 code units; the catalogue's keys are ASCII), each key once.
/// </summary>
/// <param name="output">The canonical writer of the append in progress.</param>
internal struct CanonicalMembers(CanonicalJsonWriter output)
{
    private bool _open;

    /// <summary>A string member, or JSON null.</summary>
    /// <exception cref="CanonicalJsonException">The value holds a lone surrogate.</exception>
    public void String(ReadOnlySpan<byte> key, string? value)
    {
        Key(key);
        if (value is null) output.Output.Write("null"u8);
        else output.WriteString(value);
    }

    /// <summary>A string member that is left out when null (<c>JsonIgnoreCondition.WhenWritingNull</c>).</summary>
    /// <exception cref="CanonicalJsonException">The value holds a lone surrogate.</exception>
    public void StringUnlessNull(ReadOnlySpan<byte> key, string? value)
    {
        if (value is not null) String(key, value);
    }

    /// <summary>A boolean member.</summary>
    public void Bool(ReadOnlySpan<byte> key, bool value)
    {
        Key(key);
        output.Output.Write(value ? "true"u8 : "false"u8);
    }

    /// <summary>A time member, as <c>AuditTimeJsonConverter</c> writes it (UTC, seven fractional digits: no escapes).</summary>
    public void Time(ReadOnlySpan<byte> key, DateTimeOffset value)
    {
        Key(key);
        Span<byte> quoted = stackalloc byte[UtcTimestamp.Length(7) + 8];
        quoted[0] = (byte)'"';
        var length = UtcTimestamp.Write(value.UtcDateTime, 7, quoted[1..]);
        quoted[length + 1] = (byte)'"';
        output.Output.Write(quoted[..(length + 2)]);
    }

    /// <summary>Closes the object.</summary>
    public void End()
    {
        if (!_open) output.Output.Write((byte)'{');
        output.Output.Write((byte)'}');
    }

    private void Key(ReadOnlySpan<byte> key)
    {
        output.Output.Write(_open ? (byte)',' : (byte)'{');
        _open = true;
        output.Output.Write((byte)'"');
        output.Output.Write(key);
        output.Output.Write("\":"u8);
    }
}
