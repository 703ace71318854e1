using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Policy.Model;

namespace MakerChecker.Policy.Validation;

/// <summary>
/// The policy's canonical form: a JSON object of exactly what decides (roles, grants with every default written
/// out, gates, limits, principals, separation constraints, the catalogue), with sets sorted and durations in
/// milliseconds. Names, versions, descriptions, comments, formatting and key order are not part of it, so two files
/// that decide identically have the same hash. The policy hash is the lowercase hex SHA-256 of its RFC 8785 (JCS)
/// canonical bytes. The compiler admits only well-formed identifiers, so canonicalization cannot fail here.
/// </summary>
internal static class PolicyCanonicalForm
{
    /// <summary>Tags the form so that a future change of canonical form can never collide with this one.</summary>
    public const string Format = "makerchecker-policy-canonical/1";

    public static string ComputeHash(IEnumerable<RoleDefinition> roles, IEnumerable<SkillDefinition> skills, IEnumerable<PrincipalDefinition> principals,
        IEnumerable<SeparationConstraint> separations, PolicyChangeControl? changes = null)
    {
        var json = ToJson(roles, skills, principals, separations, changes);
        return Convert.ToHexStringLower(SHA256.HashData(JsonCanonicalizer.Canonicalize(json)));
    }

    /// <remarks>
    /// <c>changes</c> (maker-checker on the policy itself) is a member only when the policy declares it, so that the hash of
    /// every policy written before the section existed is unchanged.
    /// </remarks>
    public static JsonObject ToJson(IEnumerable<RoleDefinition> roles, IEnumerable<SkillDefinition> skills, IEnumerable<PrincipalDefinition> principals,
        IEnumerable<SeparationConstraint> separations, PolicyChangeControl? changes = null)
    {
        var json = Core(roles, skills, principals, separations);
        if (changes is not null) json["changes"] = Changes(changes);
        return json;
    }

    private static JsonObject Changes(PolicyChangeControl c) => Obj(
        ("approverRoles", Names(c.ApproverRoles)),
        ("approvers", c.Approvers),
        ("breakGlassRoles", Names(c.BreakGlassRoles)),
        ("expiresAfterMs", (long)c.ExpiresAfter.TotalMilliseconds),
        ("minReviewMs", (long)c.MinReview.TotalMilliseconds),
        ("proposerRoles", Names(c.ProposerRoles)));

    private static JsonArray Names(IEnumerable<string> names) => Arr(names.Select(n => (JsonNode?)JsonValue.Create(n)));

    private static JsonObject Core(IEnumerable<RoleDefinition> roles, IEnumerable<SkillDefinition> skills, IEnumerable<PrincipalDefinition> principals,
        IEnumerable<SeparationConstraint> separations) =>
        Obj(
            ("format", Format),
            ("principals", Arr(principals.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => Obj(
                ("id", p.Id), ("kind", Lower(p.Kind)), ("owner", p.Owner), ("role", p.Role), ("status", Lower(p.Status)))))),
            ("roles", Arr(roles.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r => Obj(
                ("forbidden", Arr(r.Forbidden.Keys.Order(StringComparer.Ordinal).Select(f => (JsonNode?)JsonValue.Create(f)))),
                ("grants", Arr(r.Grants.Values.OrderBy(g => g.Skill.ToString(), StringComparer.Ordinal).Select(Grant))),
                ("name", r.Name))))),
            // Each constraint's roles are already sorted; equal constraints are one constraint. Role names cannot
            // contain ',' and every character they may contain sorts after it, so ordering by the joined names
            // orders the constraints as their role lists would.
            ("separation", Arr(separations.DistinctBy(s => string.Join(',', s.Roles)).OrderBy(s => string.Join(',', s.Roles), StringComparer.Ordinal)
                .Select(s => Obj(("roles", Arr(s.Roles.Select(r => (JsonNode?)JsonValue.Create(r)))))))),
            ("skills", Arr(skills.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => Obj(
                ("name", s.Name), ("risk", Lower(s.Risk)),
                ("versions", Arr(s.Versions.Order(StringComparer.Ordinal).Select(v => (JsonNode?)JsonValue.Create(v)))))))));

    private static JsonObject Grant(GrantDefinition g) => Obj(
        ("gate", g.Gate is { } gate ? Obj(
            ("allowAgentApprovers", gate.AllowAgentApprovers),
            ("approverRoles", Arr(gate.ApproverRoles.Select(r => (JsonNode?)JsonValue.Create(r)))),
            ("approvers", gate.Approvers),
            ("breakGlassRoles", Arr(gate.BreakGlassRoles.Select(r => (JsonNode?)JsonValue.Create(r)))),
            ("expiresAfterMs", (long)gate.ExpiresAfter.TotalMilliseconds),
            ("forbidRequester", gate.ForbidRequester),
            ("minReviewMs", (long)gate.MinReview.TotalMilliseconds),
            ("requirePresentation", gate.RequirePresentation),
            ("sample", gate.Sample.ToString("R", CultureInfo.InvariantCulture))) : null),
        ("limits", g.Limits is { } l ? Obj(
            ("amountField", l.AmountField),
            ("maxAmount", l.MaxAmount is { } m ? m.ToString("G29", CultureInfo.InvariantCulture) : null),
            ("perDay", l.PerDay), ("perHour", l.PerHour), ("perMinute", l.PerMinute)) : null),
        ("risk", Lower(g.Risk)),
        ("skill", g.Skill.ToString()));

    // Keys are written in ordinal order for readability; JCS sorts them anyway.
    private static JsonObject Obj(params (string Key, object? Value)[] members)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in members)
        {
            obj[key] = value switch
            {
                null => null,
                JsonNode node => node,
                string s => JsonValue.Create(s),
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long n => JsonValue.Create(n),
                _ => throw new ArgumentException($"Unsupported canonical value {value.GetType()}."),
            };
        }
        return obj;
    }

    private static JsonArray Arr(IEnumerable<JsonNode?> items) => new([.. items]);

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
