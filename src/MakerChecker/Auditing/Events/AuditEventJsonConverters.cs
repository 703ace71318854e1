using System.Text.Json;
using System.Text.Json.Serialization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Auditing.Events;

/// <summary>A time in a payload: a JSON string in <see cref="AuditTime"/> form, UTC with seven fractional digits.</summary>
internal sealed class AuditTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public const string Expected = "a UTC ISO 8601 time such as 2026-01-15T09:00:00.0000000Z";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"expected {Expected}");
        // A time is short: parse it from the stack rather than allocate its text (replay reads millions).
        // UTF-8 bytes are at least as many as the UTF-16 characters they decode to, so a short value fits the buffer.
        Span<char> text = stackalloc char[64];
        var bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        DateTimeOffset time;
        var parsed = bytes <= text.Length
            ? AuditTime.TryParse(text[..reader.CopyString(text)], out time)
            : AuditTime.TryParse(reader.GetString(), out time);
        return parsed ? time : throw new JsonException($"expected {Expected}");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> utf8 = stackalloc byte[28]; // ASCII: the same text as AuditTime.Format
        writer.WriteStringValue(utf8[..UtcTimestamp.Write(value.UtcDateTime, 7, utf8)]);
    }

    public static bool TryParse(string text, out DateTimeOffset time) => AuditTime.TryParse(text, out time);
}

/// <summary>
/// An enumeration in a payload: its member name in lower case (<c>agent</c>, <c>suspended</c>, <c>approve</c>). Reading
/// accepts any case, as the previous reader did, and refuses numbers and unknown names.
/// </summary>
internal sealed class LowercaseEnumJsonConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly string[] Names = [.. Values.Select(v => v.ToString().ToLowerInvariant())];

    /// <summary>The names a payload may hold, for messages and the catalogue's documentation.</summary>
    public static IReadOnlyList<string> AllNames => Names;

    public static string Name(T value)
    {
        for (var i = 0; i < Values.Length; i++)
        {
            if (EqualityComparer<T>.Default.Equals(Values[i], value)) return Names[i];
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no member {value}.");
    }

    public static bool TryParse(string text, out T value)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], text, StringComparison.OrdinalIgnoreCase))
            {
                value = Values[i];
                return true;
            }
        }
        value = default;
        return false;
    }

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && TryParse(reader.GetString()!, out var value)
            ? value
            : throw new JsonException($"expected one of {string.Join(", ", Names)}");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value));
}
