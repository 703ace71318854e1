using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace MakerChecker.Tests.Policy;

/// <summary>
/// A random, valid policy described as data, and ways to write it as YAML. Rendering choices (key order, block or
/// flow style, quoting, comments, indentation, written-out defaults) never change the meaning, so every rendering of
/// one spec must load to the same hash.
/// </summary>
public sealed record PolicySpec(IReadOnlyList<RoleSpec> Roles, IReadOnlyList<PrincipalSpec> Principals)
{
    public static readonly string[] SkillNames = ["coverage.flag", "coverage.deny", "coverage.approve", "payment.release", "claim.reopen"];

    public static Gen<PolicySpec> Generator =>
        from roleCount in Gen.Choose(1, 5)
        from roles in Gen.ListOf(RoleGen, roleCount)
        let named = roles.Select((r, i) => r with { Name = $"role-{i}" }).ToList()
        from principalCount in Gen.Choose(0, 6)
        from principals in Gen.ListOf(PrincipalGen(named.Count), principalCount)
        select Fix(new PolicySpec(named, principals.Select((p, i) => p with { Id = $"p{i}" }).ToList()));

    private static Gen<RoleSpec> RoleGen =>
        from grantCount in Gen.Choose(0, 4)
        from grants in Gen.ListOf(GrantGen, grantCount)
        from forbidden in Gen.SubListOf(SkillNames)
        select new RoleSpec("", grants.DistinctBy(g => g.Skill).ToList(), forbidden.ToList());

    private static Gen<GrantSpec> GrantGen =>
        from name in Gen.Elements(SkillNames)
        from version in Gen.Choose(1, 3)
        from risk in Gen.Elements("low", "medium", "high")
        from hasGate in Gen.Elements(true, false)
        from approvers in Gen.Choose(1, 3)
        from minReviewSeconds in Gen.Elements(0, 5, 30, 90)
        from expiresHours in Gen.Elements(0, 24, 72)
        from forbidRequester in Gen.Elements(true, true, false)
        from perMinute in Gen.Elements(0, 10, 600)
        select new GrantSpec($"{name}@{version}", risk, hasGate || risk == "high" ? new GateSpec(approvers, minReviewSeconds, expiresHours, forbidRequester) : null, perMinute);

    private static Gen<PrincipalSpec> PrincipalGen(int roleCount) =>
        from role in Gen.Choose(0, roleCount - 1)
        from kind in Gen.Elements("human", "human", "service")
        from status in Gen.Elements("active", "active", "suspended", "retired")
        select new PrincipalSpec("", kind, $"role-{role}", status);

    /// <summary>Removes what would make a generated policy invalid: grants of forbidden skills, and gates that declared principals cannot satisfy.</summary>
    private static PolicySpec Fix(PolicySpec spec)
    {
        var roles = spec.Roles.Select(r => r with { Grants = r.Grants.Where(g => !r.Forbidden.Contains(g.Skill.Split('@')[0])).ToList() }).ToList();
        if (spec.Principals.Count == 0) return spec with { Roles = roles };
        // With declared principals, every gate must be satisfiable: drop gated high-risk grants nobody can approve,
        // and lower approvers to what the declared principals allow.
        // Dropping a grant changes who may approve other grants of the same skill, so repeat until nothing changes.
        for (var round = 0; round < 20; round++)
        {
            var current = roles;
            var next = current.Select(r => r with
            {
                Grants = r.Grants.Select(g => g.Gate is null ? g : FixGate(g, r.Name, current, spec.Principals)).Where(g => g is not null).Select(g => g!).ToList(),
            }).ToList();
            if (next.SelectMany(r => r.Grants).SequenceEqual(roles.SelectMany(r => r.Grants))) break;
            roles = next;
        }
        return new PolicySpec(roles, spec.Principals);
    }

    private static GrantSpec? FixGate(GrantSpec grant, string role, List<RoleSpec> roles, IReadOnlyList<PrincipalSpec> principals)
    {
        var approverRoles = roles.Where(r => r.Grants.Any(g => g.Skill == grant.Skill)).Select(r => r.Name).ToHashSet();
        var eligible = principals.Where(p => p.Kind == "human" && p.Status == "active" && approverRoles.Contains(p.Role)).ToList();
        var requesters = principals.Where(p => p.Status == "active" && p.Role == role).ToList();
        var worst = requesters.Count == 0 ? eligible.Count : requesters.Min(r => eligible.Count(e => !(grant.Gate!.ForbidRequester && e.Id == r.Id)));
        if (worst >= 1) return grant with { Gate = grant.Gate! with { Approvers = Math.Min(grant.Gate.Approvers, worst) } };
        return grant.Risk == "high" ? null : grant with { Gate = null };
    }

    /// <summary>Writes the spec as YAML, with formatting chosen by <paramref name="style"/>.</summary>
    public string ToYaml(RenderStyle style)
    {
        var random = new Random(style.Seed);
        var sb = new StringBuilder();
        var indent = new string(' ', style.Indent);
        if (style.Comments) sb.AppendLine("# generated policy");
        if (style.RoleDocuments)
        {
            var first = true;
            foreach (var role in Roles)
            {
                if (!first) sb.AppendLine("---");
                first = false;
                WriteRole(sb, role, "", indent, style, random, asDocument: true);
            }
            if (Principals.Count > 0)
            {
                sb.AppendLine("---");
                WritePrincipals(sb, indent, style, random);
            }
            return sb.ToString();
        }
        var sections = new List<Action>
        {
            () =>
            {
                sb.AppendLine("roles:");
                foreach (var role in Roles) WriteRole(sb, role, indent, indent, style, random, asDocument: false);
            },
        };
        if (Principals.Count > 0) sections.Add(() => WritePrincipals(sb, indent, style, random));
        foreach (var section in Shuffle(sections, random, style.ShuffleKeys)) section();
        return sb.ToString();
    }

    private static void WriteRole(StringBuilder sb, RoleSpec role, string at, string indent, RenderStyle style, Random random, bool asDocument)
    {
        // 'role' comes first so that, in list form, it carries the list dash; the other keys are shuffled.
        var dashPrefix = asDocument ? at : at + "- ";
        var keyPrefix = asDocument ? at : at + "  ";
        sb.AppendLine($"{dashPrefix}role: {Quote(role.Name, style)}");
        var childIndent = keyPrefix + indent;
        var sections = new List<Action>
        {
            () =>
            {
                if (role.Grants.Count == 0)
                {
                    if (style.FlowLists) sb.AppendLine($"{keyPrefix}grants: []");
                    return;
                }
                sb.AppendLine($"{keyPrefix}grants:");
                foreach (var grant in role.Grants) WriteGrant(sb, grant, childIndent, indent, style, random);
            },
            () =>
            {
                if (role.Forbidden.Count == 0) return;
                if (style.FlowLists)
                {
                    sb.AppendLine($"{keyPrefix}forbidden: [{string.Join(", ", role.Forbidden.Select(f => Quote(f, style)))}]");
                    return;
                }
                sb.AppendLine($"{keyPrefix}forbidden:");
                foreach (var f in role.Forbidden) sb.AppendLine($"{childIndent}- skill: {Quote(f, style)}");
            },
        };
        foreach (var section in Shuffle(sections, random, style.ShuffleKeys)) section();
    }

    private static void WriteGrant(StringBuilder sb, GrantSpec grant, string at, string indent, RenderStyle style, Random random)
    {
        var keys = new List<Action<string>> { p => sb.AppendLine($"{p}skill: {Quote(grant.Skill, style)}") };
        if (grant.Risk != "low" || style.WriteDefaults) keys.Add(p => sb.AppendLine($"{p}risk: {grant.Risk}"));
        if (grant.Gate is { } gate)
        {
            keys.Add(p =>
            {
                var items = new List<string>();
                if (gate.Approvers != 1 || style.WriteDefaults) items.Add($"approvers: {gate.Approvers}");
                if (gate.MinReviewSeconds != 0) items.Add($"min_review: {Duration(gate.MinReviewSeconds, style)}");
                else if (style.WriteDefaults) items.Add("min_review: 0s");
                if (gate.ExpiresHours != 0) items.Add($"expires_after: {gate.ExpiresHours}h");
                else if (style.WriteDefaults) items.Add("expires_after: 72h");
                if (!gate.ForbidRequester || style.WriteDefaults) items.Add($"forbid_requester: {(gate.ForbidRequester ? "true" : "false")}");
                if (style.WriteDefaults) items.Add("allow_agent_approvers: false");
                items = Shuffle(items, random, style.ShuffleKeys).ToList();
                if (style.FlowLists) sb.AppendLine($"{p}gate: {{ {string.Join(", ", items)} }}");
                else if (items.Count == 0) sb.AppendLine($"{p}gate: {{}}");
                else
                {
                    sb.AppendLine($"{p}gate:");
                    foreach (var item in items) sb.AppendLine($"{p.Replace("-", " ", StringComparison.Ordinal)}{indent}{item}");
                }
            });
        }
        if (grant.PerMinute > 0) keys.Add(p => sb.AppendLine($"{p}limits: {{ per_minute: {grant.PerMinute} }}"));
        var ordered = Shuffle(keys, random, style.ShuffleKeys).ToList();
        for (var i = 0; i < ordered.Count; i++) ordered[i](i == 0 ? at + "- " : at + "  ");
    }

    private void WritePrincipals(StringBuilder sb, string indent, RenderStyle style, Random random)
    {
        sb.AppendLine("principals:");
        foreach (var p in Principals)
        {
            var keys = new List<string> { $"id: {Quote(p.Id, style)}", $"kind: {p.Kind}", $"role: {Quote(p.Role, style)}" };
            if (p.Status != "active" || style.WriteDefaults) keys.Add($"status: {p.Status}");
            keys = Shuffle(keys, random, style.ShuffleKeys).ToList();
            if (style.FlowLists) sb.AppendLine($"{indent}- {{ {string.Join(", ", keys)} }}");
            else
            {
                for (var i = 0; i < keys.Count; i++) sb.AppendLine($"{indent}{(i == 0 ? "- " : "  ")}{keys[i]}{(style.Comments && i == 0 ? "  # principal" : "")}");
            }
        }
    }

    private static string Duration(int seconds, RenderStyle style) =>
        style.Quote && seconds % 60 == 0 ? $"{seconds / 60}m" : string.Create(CultureInfo.InvariantCulture, $"{seconds}s");

    private static string Quote(string value, RenderStyle style) => style.Quote ? $"\"{value}\"" : value;

    private static IEnumerable<T> Shuffle<T>(IList<T> items, Random random, bool shuffle) =>
        shuffle ? items.OrderBy(_ => random.Next()).ToList() : items;
}

public sealed record RoleSpec(string Name, IReadOnlyList<GrantSpec> Grants, IReadOnlyList<string> Forbidden);

public sealed record GrantSpec(string Skill, string Risk, GateSpec? Gate, int PerMinute);

public sealed record GateSpec(int Approvers, int MinReviewSeconds, int ExpiresHours, bool ForbidRequester);

public sealed record PrincipalSpec(string Id, string Kind, string Role, string Status);

public sealed record RenderStyle(int Seed, int Indent, bool RoleDocuments, bool ShuffleKeys, bool FlowLists, bool Quote, bool Comments, bool WriteDefaults)
{
    public static Gen<RenderStyle> Generator =>
        from seed in Gen.Choose(0, int.MaxValue)
        from indent in Gen.Choose(2, 4)
        from roleDocs in Gen.Elements(true, false)
        from shuffle in Gen.Elements(true, false)
        from flow in Gen.Elements(true, false)
        from quote in Gen.Elements(true, false)
        from comments in Gen.Elements(true, false)
        from defaults in Gen.Elements(true, false)
        select new RenderStyle(seed, indent, roleDocs, shuffle, flow, quote, comments, defaults);
}
