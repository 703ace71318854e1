using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
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
    // The relaxed encoder leaves non-ASCII text unescaped: canonical form has it so, and the canonical writer then copies it.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private static ReadOnlySpan<byte> ReplacementCharacter => "\uFFFD"u8;

    private static ReadOnlySpan<byte> EscapedReplacementCharacter => "\\uFFFD"u8;

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>Appends <paramref name="payload"/>'s canonical JSON to <paramref name="output"/>.</summary>
    /// <exception cref="CanonicalJsonException">The payload is not I-JSON (for example a string holds a lone surrogate).</exception>
    public static void Write<T>(in T payload, CanonicalJsonWriter output)
        where T : struct, IAuditEventPayload<T>
    {
        // Taken, not shared: a payload written while another is being written (it cannot happen today) gets its own.
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        var mark = output.Output.Length;
        try
        {
            // The writer quietly replaces a lone surrogate with U+FFFD (escaped), which must be refused instead: text holding
            // U+FFFD (rare, and legitimate too) is left to the JsonObject path, which refuses the one and keeps the other.
            if (scratch.TrySerialize(payload) && !HoldsReplacementCharacter(scratch.Written))
            {
                output.WriteDocument(scratch.Written);
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
            t_scratch = scratch;
        }

        // What the contract refuses to write (a lone surrogate, a null where its annotations say none) or the canonical form
        // refuses takes the JsonObject path, which gives the same bytes or the same refusal as before the contract wrote payloads.
        output.Output.Write(JsonCanonicalizer.Canonicalize(payload.ToPayload()));
    }

    private static bool HoldsReplacementCharacter(ReadOnlySpan<byte> json) =>
        json.IndexOf(EscapedReplacementCharacter) >= 0 || json.IndexOf(ReplacementCharacter) >= 0;

    [SuppressMessage("Design", "CA1001", Justification = "One per thread for the thread's life; the writer holds no unmanaged resource.")]
    private sealed class Scratch
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private readonly Utf8JsonWriter _writer;

        public Scratch() => _writer = new Utf8JsonWriter(_buffer, Options);

        public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

        public bool TrySerialize<T>(in T payload)
            where T : struct, IAuditEventPayload<T>
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            try
            {
                JsonSerializer.Serialize(_writer, payload, T.JsonTypeInfo);
                _writer.Flush();
                return true;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or JsonException or NotSupportedException)
            {
                return false;
            }
        }
    }
}
