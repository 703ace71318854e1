using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>
/// Renders a verified payload as nested definition lists a reviewer can read: every key and value encoded, bidirectional
/// controls made visible, long strings wrapped (CSS), and nesting deeper than <see cref="MaxDepth"/> shown as its JSON
/// text instead of ever-deeper boxes. Nothing from the payload is ever markup, an attribute or a URL.
/// </summary>
internal static class PayloadView
{
    public const int MaxDepth = 6;

    public static void Render(Html h, JsonObject payload) => Object(h, payload, 0);

    private static void Object(Html h, JsonObject o, int depth)
    {
        if (o.Count == 0)
        {
            h.Raw("<span class=\"empty\">{ } (empty)</span>");
            return;
        }
        h.Raw("<dl class=\"payload\">");
        foreach (var (key, value) in o)
        {
            h.Raw("<dt><bdi>").Text(key).Raw("</bdi></dt><dd>");
            Value(h, value, depth + 1);
            h.Raw("</dd>");
        }
        h.Raw("</dl>");
    }

    private static void Value(Html h, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                h.Raw("<span class=\"literal\">null</span>");
                return;
            case JsonObject or JsonArray when depth > MaxDepth:
                h.Raw("<p class=\"deep\">Nested deeper than ").Text(MaxDepth).Raw(" levels; shown as JSON:</p><pre class=\"json\">")
                    .Text(node.ToJsonString()).Raw("</pre>");
                return;
            case JsonObject o:
                Object(h, o, depth);
                return;
            case JsonArray a:
                if (a.Count == 0)
                {
                    h.Raw("<span class=\"empty\">[ ] (empty)</span>");
                    return;
                }
                h.Raw("<ol class=\"payload\" start=\"0\">");
                foreach (var item in a)
                {
                    h.Raw("<li>");
                    Value(h, item, depth + 1);
                    h.Raw("</li>");
                }
                h.Raw("</ol>");
                return;
            case JsonValue v:
                var element = v.GetValue<JsonElement>();
                if (element.ValueKind == JsonValueKind.String) h.Raw("<bdi class=\"string\">").Text(element.GetString()).Raw("</bdi>");
                else h.Raw("<span class=\"literal\">").Text(element.GetRawText()).Raw("</span>");
                return;
            default:
                h.Text(node.ToJsonString());
                return;
        }
    }
}
