using System.Runtime.InteropServices;
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
        var mark = writer.Output.Length;
        try
        {
            if (TryWriteDirect(node, writer, depth: 0))
            {
                return;
            }
        }
        catch (CanonicalJsonException)
        {
            // Refused: the reference path below says why in the words it always has (the first fault it meets).
        }

        writer.Output.Length = mark;
        WriteThroughJsonText(node, writer);
    }

    /// <summary>
    /// The node written straight into canonical form: keys, strings and numbers go through the writer's own ordering,
    /// escaping and number layout, without first serializing the node as JSON text. Only for what it knows exactly:
    /// objects, arrays, and values <see cref="JsonValue.Create(string, JsonNodeOptions?)"/> and its kin make with the
    /// built-in converters (string, bool, int, long, double, decimal) or <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>
    /// reads; anything else (another CLR type, a custom converter, deep nesting) returns <see langword="false"/> for
    /// <see cref="WriteThroughJsonText"/>, the definition, to write.
    /// </summary>
    /// <exception cref="CanonicalJsonException">The value is not I-JSON, for example a string holds a lone surrogate.</exception>
    internal static bool TryWriteDirect(JsonNode? node, CanonicalJsonWriter writer, int depth)
    {
        switch (node)
        {
            case null:
                writer.Output.Write("null"u8);
                return true;
            case JsonObject o when depth < MaxDirectDepth:
                var obj = writer.StartObject(depth);
                var count = MemberCount(o);
                for (var i = 0; i < count; i++)
                {
                    var (key, value) = o.GetAt(i);
                    writer.WriteMemberKey(ref obj, key);
                    if (!TryWriteDirect(value, writer, depth + 1))
                    {
                        return false;
                    }

                    writer.EndMember(ref obj);
                }

                writer.EndObject(obj);
                return true;
            case JsonArray a when depth < MaxDirectDepth:
                writer.Output.Write((byte)'[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        writer.Output.Write((byte)',');
                    }

                    if (!TryWriteDirect(a[i], writer, depth + 1))
                    {
                        return false;
                    }
                }

                writer.Output.Write((byte)']');
                return true;
            case JsonValue v:
                return TryWriteDirect(v, writer);
            default:
                return false;
        }
    }

    private static bool TryWriteDirect(JsonValue value, CanonicalJsonWriter writer)
    {
        var type = value.GetType();
        if (type == ValueTypes.Parsed)
        {
            // A value read from JSON text: its text, canonicalized as text is (a container would reuse the object depths).
            var element = value.GetValue<JsonElement>();
            if (element.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                return false;
            }

            writer.WriteDocument(JsonMarshal.GetRawUtf8Value(element));
            return true;
        }

        if (type == ValueTypes.String)
        {
            writer.WriteString(value.GetValue<string>());
            return true;
        }

        if (type == ValueTypes.Boolean)
        {
            writer.Output.Write(value.GetValue<bool>() ? "true"u8 : "false"u8);
            return true;
        }

        return type == ValueTypes.Int32 ? writer.TryWriteNumber(value.GetValue<int>())
            : type == ValueTypes.Int64 ? writer.TryWriteNumber(value.GetValue<long>())
            : type == ValueTypes.Double ? writer.TryWriteNumber(value.GetValue<double>())
            : type == ValueTypes.Decimal && writer.TryWriteNumber(value.GetValue<decimal>());
    }

    /// <summary>
    /// The reference: the node serialized as JSON text by <see cref="Utf8JsonWriter"/>, and that text canonicalized. What
    /// <see cref="TryWriteDirect(JsonNode?, CanonicalJsonWriter, int)"/> does not know, and every refusal, is written here.
    /// </summary>
    /// <exception cref="CanonicalJsonException">The value is not I-JSON, for example a string holds a lone surrogate.</exception>
    internal static void WriteThroughJsonText(JsonNode node, CanonicalJsonWriter writer)
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
                throw IllFormed(ex);
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
                _ = MemberCount(o);
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
                    throw IllFormed(ex);
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

    /// <summary>
    /// How many members <paramref name="o"/> has. An object read from text lists its members on first use, and System.Text.Json
    /// cannot list them when a key holds an escaped lone surrogate (<c>{"\ud800":1}</c>, as a model's tool-call arguments may):
    /// that is refused as the ill-formed string it is, exactly as such a string value is, not let out as its
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <exception cref="CanonicalJsonException">A key cannot be read (<c>ill_formed_string</c>).</exception>
    private static int MemberCount(JsonObject o)
    {
        try
        {
            return o.Count;
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            throw IllFormed(ex);
        }
    }

    /// <summary>
    /// The refusal of a string System.Text.Json cannot read or write (an escaped lone surrogate, in a value or a key), in its words.
    /// </summary>
    private static CanonicalJsonException IllFormed(Exception ex) =>
        new(Verification.AuditReasonCodes.IllFormedString, $"ill-formed string: {ex.Message}", ex);

    /// <summary>Deeper than this, the reference path writes the node (the reader it ends in allows 64 levels).</summary>
    private const int MaxDirectDepth = 32;

    /// <summary>The runtime types of the values <see cref="TryWriteDirect(JsonValue, CanonicalJsonWriter)"/> knows exactly.</summary>
    private static class ValueTypes
    {
        public static readonly Type Parsed = JsonNode.Parse("0")!.GetType();
        public static readonly Type String = JsonValue.Create("").GetType();
        public static readonly Type Boolean = JsonValue.Create(true).GetType();
        public static readonly Type Int32 = JsonValue.Create(0).GetType();
        public static readonly Type Int64 = JsonValue.Create(0L).GetType();
        public static readonly Type Double = JsonValue.Create(0d).GetType();
        public static readonly Type Decimal = JsonValue.Create(0m).GetType();
    }
}
