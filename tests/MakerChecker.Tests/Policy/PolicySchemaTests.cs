using System.Text.Json;
using MakerChecker.Policy.Parsing;

namespace MakerChecker.Tests.Policy;

/// <summary>The JSON Schema that editors use must offer exactly the keys the loader accepts.</summary>
public sealed class PolicySchemaTests
{
    public static TheoryData<string, string[]> Definitions => new()
    {
        { "policyDocument", PolicyKeys.Document },
        { "skill", PolicyKeys.Skill },
        { "role", PolicyKeys.Role },
        { "grant", PolicyKeys.Grant },
        { "forbidden", PolicyKeys.Forbidden },
        { "gate", PolicyKeys.Gate },
        { "changes", PolicyKeys.Changes },
        { "limits", PolicyKeys.Limits },
        { "separation", PolicyKeys.Separation },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public void Schema_definitions_list_exactly_the_loaders_keys(string definition, string[] keys)
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schema", "policy.schema.json")));
        var node = schema.RootElement.GetProperty("definitions").GetProperty(definition);

        Assert.False(node.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(keys.Order(StringComparer.Ordinal), node.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_principal_schema_accepts_the_loaders_keys_except_the_rejected_plural_roles()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schema", "policy.schema.json")));
        var names = schema.RootElement.GetProperty("definitions").GetProperty("principal").GetProperty("properties").EnumerateObject().Select(p => p.Name);

        // The loader knows 'roles' only to explain that a principal holds exactly one role.
        Assert.Equal(PolicyKeys.Principal.Where(k => k != "roles").Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }
}
