using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Tests.Support;

/// <summary>
/// Builds compiled policies directly (through the model's internal constructors), so tests can state exactly the
/// policy they mean and generators can make thousands of them without YAML.
/// </summary>
internal sealed class TestPolicy
{
    private readonly List<RoleSpec> _roles = [];
    private readonly List<PrincipalDefinition> _principals = [];
    private readonly List<SeparationConstraint> _separations = [];
    private int _line = 1;

    public string Name { get; init; } = "test";

    public string Hash { get; init; } = "0000000000000000000000000000000000000000000000000000000000000001";

    public RoleSpec Role(string name)
    {
        var role = new RoleSpec(this, name, Next());
        _roles.Add(role);
        return role;
    }

    public TestPolicy Principal(string id, PrincipalKind kind, string role, PrincipalStatus status = PrincipalStatus.Active, string? owner = null)
    {
        _principals.Add(new PrincipalDefinition(id, kind, role, status, owner, Next()));
        return this;
    }

    public TestPolicy Human(string id, string role, PrincipalStatus status = PrincipalStatus.Active) => Principal(id, PrincipalKind.Human, role, status);

    public TestPolicy Agent(string id, string role, string owner, PrincipalStatus status = PrincipalStatus.Active) => Principal(id, PrincipalKind.Agent, role, status, owner);

    /// <summary>A separation constraint: no principal may hold two of <paramref name="roles"/> (directly or through agents it owns).</summary>
    public TestPolicy Separate(params string[] roles)
    {
        _separations.Add(new SeparationConstraint([.. roles.Order(StringComparer.Ordinal)], null, Next()));
        return this;
    }

    internal SourceLocation Next() => new("policy.yaml", _line++, 1);

    public CompiledPolicy Build()
    {
        // Approver roles default, as in the loader, to the roles granting the same skill version.
        var grantingRoles = _roles
            .SelectMany(r => r.Grants.Select(g => (Skill: g.Skill, Role: r.Name)))
            .GroupBy(x => x.Skill, x => x.Role)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Order(StringComparer.Ordinal)]);
        var roles = _roles.Select(r => new RoleDefinition(
            r.Name,
            r.Grants.Select(g => new GrantDefinition(
                r.Name,
                SkillId.Parse(g.Skill),
                g.Risk,
                g.Gate is { } gate
                    ? new GateDefinition(
                        gate.Approvers,
                        gate.ApproverRoles ?? grantingRoles[g.Skill],
                        gate.ApproverRoles is null,
                        gate.ForbidRequester,
                        gate.MinReview,
                        gate.ExpiresAfter,
                        gate.AllowAgentApprovers,
                        gate.RequirePresentation,
                        gate.Sample,
                        gate.BreakGlassRoles,
                        gate.Location)
                    : null,
                g.Limits,
                g.Location)),
            r.Forbidden,
            r.Location));
        return new CompiledPolicy(Name, "1", "policy.yaml", Hash, roles, [], _principals, _separations, Array.Empty<PolicyDiagnostic>());
    }

    internal sealed class RoleSpec(TestPolicy owner, string name, SourceLocation location)
    {
        public string Name { get; } = name;

        public SourceLocation Location { get; } = location;

        public List<GrantSpec> Grants { get; } = [];

        public Dictionary<string, SourceLocation> Forbidden { get; } = [];

        public RoleSpec Grant(string skill, RiskTier risk = RiskTier.Low, GateSpec? gate = null, Func<SourceLocation, LimitDefinition>? limits = null)
        {
            var at = owner.Next();
            if (gate is not null) gate.Location = owner.Next();
            Grants.Add(new GrantSpec(skill, risk, gate, limits?.Invoke(owner.Next()), at));
            return this;
        }

        public RoleSpec Forbid(string skillName)
        {
            Forbidden[skillName] = owner.Next();
            return this;
        }

        public TestPolicy And() => owner;
    }

    internal sealed record GrantSpec(string Skill, RiskTier Risk, GateSpec? Gate, LimitDefinition? Limits, SourceLocation Location);

    internal sealed class GateSpec
    {
        public int Approvers { get; init; } = 1;

        public IReadOnlyList<string>? ApproverRoles { get; init; }

        public bool ForbidRequester { get; init; } = true;

        public TimeSpan MinReview { get; init; }

        public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromHours(72);

        public bool AllowAgentApprovers { get; init; }

        public bool RequirePresentation { get; init; } = true;

        public double Sample { get; init; } = 1.0;

        public IReadOnlyList<string> BreakGlassRoles { get; init; } = [];

        public SourceLocation Location { get; set; }
    }

    public static LimitDefinition Limits(SourceLocation at, int? perMinute = null, int? perHour = null, int? perDay = null, decimal? maxAmount = null, string? amountField = null) =>
        new(perMinute, perHour, perDay, maxAmount, amountField, at);
}
