using System.Text;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MakerChecker.Auditing.Events;

namespace MakerChecker.Tests.Auditing;

/// <summary>
/// <c>docs/audit-events.md</c> is the catalogue as the records state it: one section per registered event type, one row per
/// field with its JSON type, and the meaning from the record's XML documentation. Regenerate the catalogue part with
/// <c>MAKERCHECKER_WRITE_DOCS=1 dotnet test tests/MakerChecker.Tests --filter AuditEventsDocTests</c>.
/// </summary>
public partial class AuditEventsDocTests
{
    private const string Begin = "<!-- catalogue: generated from src/MakerChecker/Auditing/Events by AuditEventsDocTests; do not edit below -->";
    private const string End = "<!-- end of catalogue -->";

    private static string DocPath()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root,
            "MakerChecker.Sdk.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        return Path.Combine(root, "docs", "audit-events.md");
    }

    [Fact]
    public void Every_registered_event_type_has_a_section_and_every_field_a_row_with_its_json_type()
    {
        var doc = File.ReadAllText(DocPath());
        var sections = Section().Matches(doc).ToDictionary(m => m.Groups["type"].Value, m => m.Groups["body"].Value);
        Assert.Equal(AuditEventCatalogue.EventTypes.Select(t => t.EventType).Order(), sections.Keys.Order());
        foreach (var (eventType, payloadType) in AuditEventCatalogue.EventTypes)
        {
            var rows = Row().Matches(sections[eventType].Split("\n### ")[0]).Select(m => (m.Groups["field"].Value, m.Groups["type"].Value)).ToList();
            var fields = AuditEventCatalogue.Fields(AuditEventCatalogue.TypeInfoOf(eventType)!).Select(f => (f.Name, JsonType(f))).ToList();
            Assert.Equal(fields, rows);
        }
    }

    [Fact]
    public void The_catalogue_part_is_what_the_records_and_their_documentation_say()
    {
        var path = DocPath();
        var doc = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{path} must hold the markers '{Begin}' and '{End}'");
        var expected = Render();
        var actual = doc[(start + Begin.Length)..end];
        if (actual != expected && Environment.GetEnvironmentVariable("MAKERCHECKER_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, doc[..(start + Begin.Length)] + expected + doc[end..]);
            return;
        }
        Assert.True(actual == expected, $"{path} is out of date with the records: regenerate it with MAKERCHECKER_WRITE_DOCS=1 (see this test's summary).");
    }

    internal static string JsonType(JsonPropertyInfo field)
    {
        var type = PayloadDiagnosis.JsonType(field.PropertyType);
        return field.AssociatedParameter!.HasDefaultValue ? $"{type}, or absent" : field.AssociatedParameter.IsNullable ? $"{type} or null" : type;
    }

    private static string Render()
    {
        var xml = XDocument.Load(Path.ChangeExtension(typeof(AuditEventReader).Assembly.Location, ".xml"));
        var docs = xml.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m.Element("summary"));
        string Text(string member) => Regex.Replace(
            string.Concat(docs[member]!.Nodes().Select(n => n is XElement { Name.LocalName: "c" } c ? $"`{c.Value}`"
                : n is XElement { Name.LocalName: "see" } see ? $"`{((string?)see.Attribute("cref"))?.Split('.')[^1]}`" : n.ToString())),
            @"\s+", " ").Trim().Replace("|", "\\|", StringComparison.Ordinal);

        var text = new StringBuilder("\n");
        void Table(JsonTypeInfo contract)
        {
            text.Append("\n| Field | JSON type | Meaning |\n|---|---|---|\n");
            foreach (var field in AuditEventCatalogue.Fields(contract))
            {
                var property = contract.Type.GetProperty(field.AssociatedParameter!.Name)!;
                text.Append($"| `{field.Name}` | {JsonType(field)} | {Text($"P:{contract.Type.FullName}.{property.Name}")} |\n");
            }
        }

        foreach (var (eventType, payloadType) in AuditEventCatalogue.EventTypes)
        {
            var contract = AuditEventCatalogue.TypeInfoOf(eventType)!;
            text.Append($"\n## `{eventType}`\n\n{Text($"T:{payloadType.FullName}")}\n\nRecord: `{payloadType.Name}`.\n");
            Table(contract);
            foreach (var nested in AuditEventCatalogue.Fields(contract).Select(f => Nullable.GetUnderlyingType(f.PropertyType) ?? f.PropertyType)
                         .Where(t => t == typeof(RecordedBasis)))
            {
                text.Append($"\n### `{eventType}` `basis`\n\n{Text($"T:{nested.FullName}")}\n");
                Table(contract.Options.GetTypeInfo(nested));
            }
        }
        return text.Append('\n').ToString();
    }

    [GeneratedRegex(@"^## `(?<type>[a-z_.]+)`\n(?<body>(?:(?!^## ).*\n?)*)", RegexOptions.Multiline)]
    private static partial Regex Section();

    [GeneratedRegex(@"^\| `(?<field>[A-Za-z]+)` \| (?<type>[^|]+?) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
