using System.Globalization;
using System.Text.Json;

namespace MakerChecker.Auditing;

/// <summary>Times in event payloads: UTC, ISO 8601 with seven fractional digits, so they replay exactly.</summary>
internal static class AuditTime
{
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public static DateTimeOffset Get(JsonElement payload, string name) => Parse(payload.GetProperty(name).GetString()!);

    public static DateTimeOffset? GetOptional(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? Parse(v.GetString()!) : null;
}
