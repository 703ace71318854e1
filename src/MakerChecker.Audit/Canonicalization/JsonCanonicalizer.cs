using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte form of a JSON value that audit hashes and
/// signatures are computed over.
/// </summary>
public static class JsonCanonicalizer
{
    /// <summary>Returns the canonical UTF-8 form of the single JSON value in <paramref name="utf8Json"/>.</summary>
    /// <param name="utf8Json">UTF-8 JSON text holding exactly one value.</param>
    /// <returns>The canonical bytes.</returns>
    /// <exception cref="CanonicalJsonException">
    /// The text is not I-JSON: malformed, duplicate keys, invalid UTF-8, a lone surrogate, trailing data, or a number
    /// that parsers would read differently. <see cref="CanonicalJsonException.ReasonCode"/> says which.
    /// </exception>
    public static byte[] Canonicalize(ReadOnlySpan<byte> utf8Json)
    {
        var writer = CanonicalJsonWriter.Rent();
        try
        {
            writer.WriteDocument(utf8Json);
            return writer.Output.ToArray();
        }
        finally
        {
            CanonicalJsonWriter.Return(writer);
        }
    }

    /// <summary>Returns the canonical UTF-8 form of a JSON node.</summary>
    /// <param name="node">The value to canonicalize.</param>
    /// <returns>The canonical bytes.</returns>
    /// <exception cref="CanonicalJsonException">The value is not I-JSON, for example a string holds a lone surrogate.</exception>
    public static byte[] Canonicalize(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var writer = CanonicalJsonWriter.Rent();
        try
        {
            Write(node, writer);
            return writer.Output.ToArray();
        }
        finally
        {
            CanonicalJsonWriter.Return(writer);
        }
    }

    /// <summary>Appends the canonical form of <paramref name="node"/> to <paramref name="writer"/>'s output.</summary>
    /// <exception cref="CanonicalJsonException">The value is not I-JSON, for example a string holds a lone surrogate.</exception>
    internal static void Write(JsonNode node, CanonicalJsonWriter writer)
    {
        var json = JsonScratch.Rent();
        try
        {
            try
            {
                node.WriteTo(json.Writer);
                json.Writer.Flush();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // The writer refuses invalid UTF-16 (a lone surrogate), and a parsed value holding an escaped one cannot be
                // read: either is refused with the message it has always had.
                EnsureWellFormed(node);
                throw new CanonicalJsonException(Verification.AuditReasonCodes.IllFormedString, $"ill-formed string: {ex.Message}", ex);
            }

            // The writer would quietly have replaced a lone surrogate with U+FFFD; refuse it instead.
            if (json.HoldsReplacementCharacter()) EnsureWellFormed(node);
            writer.WriteDocument(json.Written);
        }
        finally
        {
            JsonScratch.Return(json);
        }
    }

    private static void EnsureWellFormed(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    EnsureWellFormed(key);
                    EnsureWellFormed(value);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    EnsureWellFormed(item);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                string text;
                try
                {
                    text = v.GetValue<string>();
                }
                catch (InvalidOperationException ex)
                {
                    throw new CanonicalJsonException(Verification.AuditReasonCodes.IllFormedString, $"ill-formed string: {ex.Message}", ex);
                }

                EnsureWellFormed(text);
                break;
        }
    }

    private static void EnsureWellFormed(string text)
    {
        if (text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')
            && System.Text.Unicode.Utf8.FromUtf16(text, new byte[System.Text.Encoding.UTF8.GetMaxByteCount(text.Length)], out _, out _,
                replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            throw new CanonicalJsonException(Verification.AuditReasonCodes.IllFormedString,
                "ill-formed string: a string contains an unpaired UTF-16 surrogate, which I-JSON (RFC 7493) forbids.");
        }
    }
}
