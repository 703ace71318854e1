using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.Auditing;

/// <summary>
/// The digest that binds a request to its payload: <c>sha256:</c> followed by the lowercase hex SHA-256 of the
/// payload's canonical JSON. The prefix names the algorithm, so evidence stays readable if it ever changes.
/// </summary>
internal static class PayloadDigest
{
    public const string Prefix = "sha256:";

    public static string Compute(JsonObject payload)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Canonicalize(payload), hash);
        return Prefix + Convert.ToHexStringLower(hash);
    }

    /// <summary>The payload's canonical bytes. The one place to swap in the RFC 8785 canonicalizer of MakerChecker.Audit.</summary>
    private static byte[] Canonicalize(JsonObject payload)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteSorted(writer, payload);
        }
        return buffer.ToArray();
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteSorted(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) WriteSorted(writer, item);
                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
