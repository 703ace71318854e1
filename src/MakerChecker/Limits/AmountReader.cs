using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.Limits;

/// <summary>Reads a limit's amount from the payload by its dot-separated path. Anything but a JSON number is unreadable.</summary>
internal static class AmountReader
{
    public static bool TryRead(JsonObject? payload, string path, out decimal amount)
    {
        amount = 0;
        JsonNode? node = payload;
        foreach (var range in path.AsSpan().Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(path[range], out node)) return false;
        }
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number) return false;
        // The JSON text of the number, parsed as decimal: exact for amounts, and an overflow is unreadable, not clamped.
        return decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out amount);
    }
}
