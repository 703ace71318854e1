using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Policy;

namespace MakerChecker.Tests.Policy;

/// <summary>Properties of the policy loader over thousands of generated policies.</summary>
public sealed class PolicyPropertyTests
{
    private static Arbitrary<(PolicySpec Spec, RenderStyle A, RenderStyle B)> SpecWithTwoRenderings() =>
        Arb.From(from spec in PolicySpec.Generator
                 from a in RenderStyle.Generator
                 from b in RenderStyle.Generator
                 select (spec, a, b));

    [Property(MaxTest = 2000)]
    public Property Random_valid_policies_load_and_their_hash_ignores_formatting_and_key_order() =>
        Prop.ForAll(SpecWithTwoRenderings(), input =>
        {
            var first = PolicyLoader.Load(input.Spec.ToYaml(input.A), "a.yaml");
            var second = PolicyLoader.Load(input.Spec.ToYaml(input.B), "b.yaml");
            Assert.True(first.Succeeded, Explain(input.Spec.ToYaml(input.A), first));
            Assert.True(second.Succeeded, Explain(input.Spec.ToYaml(input.B), second));
            Assert.Equal(first.Policy!.Hash, second.Policy!.Hash);
        });

    [Property(MaxTest = 2000)]
    public Property Any_semantic_change_changes_the_hash() =>
        Prop.ForAll(Arb.From(from spec in PolicySpec.Generator
                             from style in RenderStyle.Generator
                             from mutation in Gen.Choose(0, 7)
                             from pick in Gen.Choose(0, 1000)
                             select (spec, style, mutation, pick)), input =>
        {
            var (spec, style, mutation, pick) = input;
            var changed = Mutate(spec, mutation, pick);
            if (changed is null) return; // this mutation does not apply to this policy (e.g. no grant to change)
            var original = PolicyLoader.Load(spec.ToYaml(style), "p.yaml");
            var mutated = PolicyLoader.Load(changed.ToYaml(style), "p.yaml");
            Assert.True(original.Succeeded, Explain(spec.ToYaml(style), original));
            if (!mutated.Succeeded) return; // a change that makes the policy invalid cannot load, which is also safe
            Assert.NotEqual(original.Policy!.Hash, mutated.Policy!.Hash);
        });

    [Property(MaxTest = 3000)]
    public Property Mutated_policies_give_diagnostics_never_an_exception() =>
        Prop.ForAll(Arb.From(from spec in PolicySpec.Generator
                             from style in RenderStyle.Generator
                             from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 5), Gen.Choose(0, 100_000)), 3)
                             select (spec, style, edits)), input =>
        {
            var text = input.spec.ToYaml(input.style);
            foreach (var (kind, position) in input.edits) text = Corrupt(text, kind, position);
            var result = PolicyLoader.Load(text, "fuzz.yaml");
            // Whatever happened, the result is coherent: a policy without errors, or errors without a policy.
            Assert.Equal(result.Succeeded, !result.Errors.Any());
            Assert.All(result.Diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Column >= 1));
        });

    private static PolicySpec? Mutate(PolicySpec spec, int mutation, int pick)
    {
        var grants = spec.Roles.SelectMany((r, ri) => r.Grants.Select((g, gi) => (ri, gi, g))).ToList();
        switch (mutation)
        {
            case 0: // rename a role consistently
                return spec with
                {
                    Roles = spec.Roles.Select(r => r.Name == spec.Roles[0].Name ? r with { Name = "renamed-role" } : r).ToList(),
                    Principals = spec.Principals.Select(p => p.Role == spec.Roles[0].Name ? p with { Role = "renamed-role" } : p).ToList(),
                };
            case 1: // add a grant of a fresh skill version
                return spec with { Roles = spec.Roles.Select((r, i) => i == pick % spec.Roles.Count ? r with { Grants = [.. r.Grants, new GrantSpec("fresh.skill@9", "low", null, 0)] } : r).ToList() };
            case 2 when grants.Count > 0: // change a grant's version
                return ReplaceGrant(spec, grants[pick % grants.Count], g => g with { Skill = g.Skill.Split('@')[0] + "@7" });
            case 3 when grants.Any(x => x.g.Gate is not null): // change min_review
                return ReplaceGrant(spec, grants.Where(x => x.g.Gate is not null).ElementAt(pick % grants.Count(x => x.g.Gate is not null)),
                    g => g with { Gate = g.Gate! with { MinReviewSeconds = g.Gate.MinReviewSeconds + 1 } });
            case 4 when grants.Any(x => x.g.Gate is not null): // flip forbid_requester
                return ReplaceGrant(spec, grants.Where(x => x.g.Gate is not null).ElementAt(pick % grants.Count(x => x.g.Gate is not null)),
                    g => g with { Gate = g.Gate! with { ForbidRequester = !g.Gate.ForbidRequester } });
            case 5 when spec.Principals.Count > 0: // suspend or reactivate a principal
                return spec with { Principals = spec.Principals.Select((p, i) => i == pick % spec.Principals.Count ? p with { Status = p.Status == "active" ? "suspended" : "active" } : p).ToList() };
            case 6 when grants.Count > 0: // change a per-minute limit
                return ReplaceGrant(spec, grants[pick % grants.Count], g => g with { PerMinute = g.PerMinute + 1 });
            case 7: // forbid one more skill that the role does not grant
                var role = spec.Roles[pick % spec.Roles.Count];
                var extra = PolicySpec.SkillNames.Append("other.skill").FirstOrDefault(n => !role.Forbidden.Contains(n) && role.Grants.All(g => !g.Skill.StartsWith(n + "@", StringComparison.Ordinal)));
                return extra is null ? null : spec with { Roles = spec.Roles.Select(r => r == role ? r with { Forbidden = [.. r.Forbidden, extra] } : r).ToList() };
            default:
                return null;
        }
    }

    private static PolicySpec ReplaceGrant(PolicySpec spec, (int ri, int gi, GrantSpec g) at, Func<GrantSpec, GrantSpec> change) =>
        spec with
        {
            Roles = spec.Roles.Select((r, i) => i != at.ri ? r : r with { Grants = r.Grants.Select((g, j) => j == at.gi ? change(g) : g).ToList() }).ToList(),
        };

    private static string Corrupt(string text, int kind, int position)
    {
        if (text.Length == 0) return "x";
        var at = position % text.Length;
        string[] junk = [":", "-", "[", "{", "&a", "*a", "'", "\"", "\t", "\n", "<<: ", "!!str ", "#", "?", "|", ">", "\u0000", "\uD800"];
        return kind switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, junk[position % junk.Length]),
            2 => text[..at] + junk[position % junk.Length] + text[Math.Min(text.Length, at + 1)..],
            3 => DuplicateLine(text, at),
            4 => text[..at],
            _ => text.Insert(at, new string(' ', 1 + position % 4)),
        };
    }

    private static string DuplicateLine(string text, int at)
    {
        var lines = text.Split('\n').ToList();
        var i = at % lines.Count;
        lines.Insert(i, lines[i]);
        return string.Join('\n', lines);
    }

    private static string Explain(string yaml, PolicyLoadResult result) =>
        $"{string.Join("\n", result.Diagnostics)}\n--- yaml ---\n{yaml}";
}
