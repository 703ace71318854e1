using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MakerChecker.Audit.Tests.Support;

/// <summary>How members of an object are ordered when rendered.</summary>
public enum KeyOrder { AsIs, Reversed, Jsonb }

/// <summary>How integers are written: as they are, as <c>1.0</c>, or as <c>1e0</c>.</summary>
public enum NumberForm { AsIs, PointZero, ExponentZero }

/// <summary>
/// A way of writing the same JSON value as other text: every rendering means the same value, so it must give the same
/// hashes and signatures (they are computed over the RFC 8785 form) and the same verdict.
/// </summary>
public sealed record JsonRendering(bool Indented, KeyOrder Order, bool EscapeNonAscii, bool EscapeSlash, NumberForm Numbers)
{
    public static JsonRendering Compact { get; } = new(false, KeyOrder.AsIs, false, false, NumberForm.AsIs);

    public override string ToString() =>
        $"{(Indented ? "indented" : "compact")}, keys {Order}{(EscapeNonAscii ? ", \\u-escaped" : "")}{(EscapeSlash ? ", \\/" : "")}, numbers {Numbers}";

    public byte[] Render(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text, 0);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private void Write(JsonNode? node, StringBuilder text, int depth)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject o:
                // The bundle's own members keep their order: audit-format.md section 5 fixes it (manifest before events).
                var members = (depth == 0 ? KeyOrder.AsIs : Order) switch
                {
                    KeyOrder.Reversed => o.Reverse().ToList(),
                    // PostgreSQL jsonb: shorter keys first, then bytewise (UTF-8) order.
                    KeyOrder.Jsonb => [.. o.OrderBy(m => Encoding.UTF8.GetByteCount(m.Key))
                        .ThenBy(m => Encoding.UTF8.GetBytes(m.Key), Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))],
                    _ => o.ToList(),
                };
                WriteComposite(text, depth, '{', '}', members, (m, d) =>
                {
                    WriteString(m.Key, text);
                    text.Append(Indented ? ": " : ":");
                    Write(m.Value, text, d);
                });
                break;
            case JsonArray a:
                WriteComposite(text, depth, '[', ']', a.ToList(), (item, d) => Write(item, text, d));
                break;
            default:
                var value = node.AsValue();
                if (value.TryGetValue(out string? s))
                {
                    WriteString(s, text);
                }
                else
                {
                    var raw = value.ToJsonString();
                    var isInteger = raw.TrimStart('-').All(char.IsAsciiDigit) && raw != "-";
                    text.Append(raw).Append(isInteger ? Numbers switch { NumberForm.PointZero => ".0", NumberForm.ExponentZero => "e0", _ => "" } : "");
                }

                break;
        }
    }

    private void WriteComposite<T>(StringBuilder text, int depth, char open, char close, List<T> items, Action<T, int> writeItem)
    {
        text.Append(open);
        for (var i = 0; i < items.Count; i++)
        {
            text.Append(i == 0 ? "" : ",");
            if (Indented)
            {
                text.Append('\n').Append(' ', 2 * (depth + 1));
            }

            writeItem(items[i], depth + 1);
        }

        if (Indented && items.Count > 0)
        {
            text.Append('\n').Append(' ', 2 * depth);
        }

        text.Append(close);
    }

    private void WriteString(string s, StringBuilder text)
    {
        text.Append('"');
        foreach (var c in s)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '/' when EscapeSlash => "\\/",
                < ' ' => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                > '~' when EscapeNonAscii => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        text.Append('"');
    }
}
