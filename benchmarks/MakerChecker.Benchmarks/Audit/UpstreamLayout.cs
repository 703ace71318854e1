using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MakerChecker.Benchmarks.Audit;

/// <summary>
/// Re-lays out a canonical bundle the way the upstream TypeScript server exports it: <c>JSON.stringify(bundle, null, 2)</c>
/// over rows read from PostgreSQL, whose <c>jsonb</c> columns (actor, payload) come back with shorter keys first, then
/// bytewise. Same values, same hashes: only whitespace and key order differ, so a verifier must canonicalize every row.
/// </summary>
internal static class UpstreamLayout
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // JSON.stringify escapes only what it must
    };

    /// <summary>The row (canonical JSON of one event) as upstream writes it, indented for its place at depth 2.</summary>
    public static byte[] Row(ReadOnlySpan<byte> canonicalRow)
    {
        var row = JsonNode.Parse(canonicalRow)!.AsObject();
        foreach (var field in (string[])["actor", "payload"])
        {
            row[field] = JsonbOrder(row[field]!.DeepClone());
        }

        // The row's own fields stay in the order the exporter writes them (seq, id, occurred_at, …), as upstream's do.
        return Indent(row, "    ");
    }

    /// <summary>The manifest as upstream writes it, at depth 1.</summary>
    public static byte[] Manifest(ReadOnlySpan<byte> canonicalManifest) => Indent(JsonNode.Parse(canonicalManifest)!, "  ");

    private static byte[] Indent(JsonNode node, string depth)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Indented))
        {
            node.WriteTo(writer);
        }

        // Canonical strings hold no raw newline, so every newline here is layout.
        return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(stream.ToArray()).Replace("\n", "\n" + depth, StringComparison.Ordinal));
    }

    /// <summary>PostgreSQL <c>jsonb</c> key order, at every depth: shorter keys first, then bytewise.</summary>
    private static JsonNode? JsonbOrder(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return node;
        }

        var members = obj.Select(m => (m.Key, Value: m.Value?.DeepClone())).ToList();
        members.Sort((a, b) =>
        {
            var ka = Encoding.UTF8.GetBytes(a.Key);
            var kb = Encoding.UTF8.GetBytes(b.Key);
            return ka.Length != kb.Length ? ka.Length.CompareTo(kb.Length) : ka.AsSpan().SequenceCompareTo(kb);
        });
        var ordered = new JsonObject();
        foreach (var (key, value) in members)
        {
            ordered[key] = JsonbOrder(value);
        }

        return ordered;
    }
}
