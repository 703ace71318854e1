using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Decisions;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;

namespace MakerChecker.Tests.Properties;

/// <summary>The evaluator alone, over random roles (grants across many versions, prohibitions) and random requests.</summary>
public class DecisionProperties
{
    private static readonly string[] Names = ["claim.deny", "claim.pay", "claim.flag"];

    private sealed record Case(string[] Grants, string[] Forbidden, PrincipalStatus Status, string Requested, bool Gated)
    {
        public override string ToString() => $"grants [{string.Join(", ", Grants)}], forbidden [{string.Join(", ", Forbidden)}], {Status}, asks {Requested}, gated {Gated}";
    }

    private static readonly Gen<string> Skill =
        from name in Gen.Elements(Names)
        from major in Gen.Choose(1, 6)
        from minor in Gen.Elements("", ".0", ".1")
        select $"{name}@{major}{minor}";

    private static readonly Arbitrary<Case> Cases = Arb.From(
        from grants in Gen.ListOf(Skill)
        from forbidden in Gen.SubListOf(Names)
        from status in Gen.Frequency((6, Gen.Constant(PrincipalStatus.Active)), (1, Gen.Constant(PrincipalStatus.Suspended)), (1, Gen.Constant(PrincipalStatus.Retired)))
        from requested in Gen.OneOf(Skill, grants.Count > 0 ? Gen.Elements(grants.ToArray()) : Skill)
        from gated in Gen.Elements(true, false)
        select new Case([.. grants.Distinct()], [.. forbidden], status, requested, gated));

    private static Decision Decide(Case c)
    {
        var spec = new TestPolicy();
        var role = spec.Role("r");
        foreach (var g in c.Grants.Where(g => !c.Forbidden.Contains(g[..g.IndexOf('@', StringComparison.Ordinal)])))
        {
            role.Grant(g, gate: c.Gated ? new TestPolicy.GateSpec() : null);
        }
        foreach (var f in c.Forbidden) role.Forbid(f);
        spec.Human("p", "r", c.Status);
        var policy = spec.Build();
        return DecisionEvaluator.Evaluate(policy, "p", policy.Principals["p"], c.Requested);
    }

    [Property(MaxTest = 1000)]
    public Property A_forbidden_skill_is_never_allowed_whatever_the_grants() =>
        Prop.ForAll(Cases, c =>
        {
            var d = Decide(c);
            var forbidden = c.Forbidden.Contains(c.Requested[..c.Requested.IndexOf('@', StringComparison.Ordinal)]);
            return !forbidden || (d.Outcome == DecisionOutcome.Refused && d.ReasonCode is ReasonCodes.SkillForbidden or ReasonCodes.PrincipalInactive);
        });

    [Property(MaxTest = 1000)]
    public Property A_grant_for_one_version_never_authorises_another() =>
        Prop.ForAll(Cases, c =>
        {
            var d = Decide(c);
            var exactlyGranted = c.Grants.Contains(c.Requested) && !c.Forbidden.Contains(c.Requested[..c.Requested.IndexOf('@', StringComparison.Ordinal)]);
            return d.Outcome == DecisionOutcome.Refused
                ? !(exactlyGranted && c.Status == PrincipalStatus.Active)
                : exactlyGranted && c.Status == PrincipalStatus.Active && d.Grant!.Skill.ToString() == c.Requested;
        });

    [Property(MaxTest = 1000)]
    public Property An_inactive_principal_is_always_refused_first() =>
        Prop.ForAll(Cases, c =>
        {
            var d = Decide(c);
            return c.Status == PrincipalStatus.Active || (d.Outcome == DecisionOutcome.Refused && d.ReasonCode == ReasonCodes.PrincipalInactive);
        });
}
