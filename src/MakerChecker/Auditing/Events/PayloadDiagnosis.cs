using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace MakerChecker.Auditing.Events;

/// <summary>
/// Finds which field of a payload its record cannot hold, from the record's JSON contract. Runs only after the
/// serializer refused the payload, so that the error names the field in words rather than the serializer's.
/// </summary>
internal static class PayloadDiagnosis
{
    public static (string? Field, string Problem)? Find(JsonElement payload, JsonTypeInfo contract, string prefix = "")
    {
        if (payload.ValueKind != JsonValueKind.Object)
        {
            return prefix.Length == 0
                ? (null, $"the payload is {Describe(payload.ValueKind)}, not a JSON object")
                : (prefix.TrimEnd('.'), $"{Describe(payload.ValueKind)}, but must be an object");
        }

        foreach (var property in AuditEventCatalogue.Fields(contract))
        {
            var field = prefix + property.Name;
            var optional = property.AssociatedParameter is { HasDefaultValue: true };
            if (!payload.TryGetProperty(property.Name, out var value))
            {
                if (optional) continue;
                return (field, "missing");
            }

            var nullable = property.AssociatedParameter!.IsNullable;
            if (value.ValueKind == JsonValueKind.Null)
            {
                if (nullable) continue;
                return (field, $"null, but must be {Expected(property.PropertyType)}");
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!Fits(value, type))
            {
                var shown = value.ValueKind == JsonValueKind.String ? $"'{Shorten(value.GetString()!)}'" : Describe(value.ValueKind);
                return (field, $"{shown}, but must be {Expected(type)}");
            }

            if (type == typeof(RecordedBasis) && Find(value, contract.Options.GetTypeInfo(type), field + ".") is { } nested) return nested;
        }
        return null;
    }

    private static bool Fits(JsonElement value, Type type) => value.ValueKind switch
    {
        JsonValueKind.String when type == typeof(string) => true,
        JsonValueKind.String when type == typeof(DateTimeOffset) => AuditTimeJsonConverter.TryParse(value.GetString()!, out _),
        JsonValueKind.String when type == typeof(PrincipalKind) => LowercaseEnumJsonConverter<PrincipalKind>.TryParse(value.GetString()!, out _),
        JsonValueKind.String when type == typeof(PrincipalStatus) => LowercaseEnumJsonConverter<PrincipalStatus>.TryParse(value.GetString()!, out _),
        JsonValueKind.String when type == typeof(SignOffVerdict) => LowercaseEnumJsonConverter<SignOffVerdict>.TryParse(value.GetString()!, out _),
        JsonValueKind.String when type == typeof(AppealOutcome) => LowercaseEnumJsonConverter<AppealOutcome>.TryParse(value.GetString()!, out _),
        JsonValueKind.True or JsonValueKind.False => type == typeof(bool),
        JsonValueKind.Number when type == typeof(int) => value.TryGetInt32(out _),
        JsonValueKind.Number when type == typeof(long) => value.TryGetInt64(out _),
        JsonValueKind.Array when type == typeof(IReadOnlyList<string>) => value.EnumerateArray().All(a => a.ValueKind == JsonValueKind.String),
        JsonValueKind.Object => type == typeof(RecordedBasis) || type == typeof(JsonElement),
        _ => false,
    };

    /// <summary>The JSON type a field of <paramref name="type"/> holds, in the words of <c>docs/audit-events.md</c>.</summary>
    public static string JsonType(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(string) ? "string"
            : type == typeof(DateTimeOffset) ? "string (time)"
            : type == typeof(bool) ? "boolean"
            : type == typeof(int) || type == typeof(long) ? "integer"
            : type == typeof(IReadOnlyList<string>) ? "array of strings"
            : type == typeof(RecordedBasis) || type == typeof(JsonElement) ? "object"
            : type.IsEnum ? "string (" + string.Join(", ", EnumNames(type)) + ")"
            : throw new NotSupportedException($"The catalogue has no JSON type for {type.Name}: add it to PayloadDiagnosis.");
    }

    private static IReadOnlyList<string> EnumNames(Type type) =>
        type == typeof(PrincipalKind) ? LowercaseEnumJsonConverter<PrincipalKind>.AllNames
        : type == typeof(PrincipalStatus) ? LowercaseEnumJsonConverter<PrincipalStatus>.AllNames
        : type == typeof(SignOffVerdict) ? LowercaseEnumJsonConverter<SignOffVerdict>.AllNames
        : type == typeof(AppealOutcome) ? LowercaseEnumJsonConverter<AppealOutcome>.AllNames
        : throw new NotSupportedException($"The catalogue has no converter for {type.Name}: add one to the JSON context.");

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(DateTimeOffset) ? AuditTimeJsonConverter.Expected
            : type.IsEnum ? "one of " + string.Join(", ", EnumNames(type))
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(bool) ? "true or false"
            : "a JSON " + JsonType(type);
    }

    /// <summary>Enough of a value to recognise it; the message must not copy a whole field of the log.</summary>
    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    internal static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
