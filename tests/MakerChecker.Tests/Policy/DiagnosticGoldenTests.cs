using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;

namespace MakerChecker.Tests.Policy;

/// <summary>One policy per diagnostic code, asserting the code, the line and the column it is reported at.</summary>
public sealed class DiagnosticGoldenTests
{
    public static TheoryData<string, string, int, int> Cases => new()
    {
        // code, yaml, line, column
        { DiagnosticCodes.YamlSyntax, "role: a\ngrants: [\n", 3, 1 },
        { DiagnosticCodes.UnknownKey, "role: r\ngrants:\n  - skill: s.x@1\n    gate:\n      forbid_requestor: true\n", 5, 7 },
        { DiagnosticCodes.WrongType, "role: r\ngrants:\n  - skill: s.x@1\n    gate:\n      approvers: two\n", 5, 18 },
        { DiagnosticCodes.DuplicateKey, "role: r\ngrants: []\ngrants: []\n", 3, 1 },
        { DiagnosticCodes.AnchorOrAliasNotAllowed, "role: r\ngrants:\n  - &g skill: s.x@1\n", 3, 5 },
        { DiagnosticCodes.DocumentTooLarge, "role: r\ngrants: " + new string('[', 40) + new string(']', 40) + "\n", 2, 40 },
        { DiagnosticCodes.MissingKey, "roles:\n  - grants: []\n", 2, 5 },
        { DiagnosticCodes.InvalidValue, "role: r\n---\nprincipals:\n  - id: p\n    kind: robot\n    role: r\n", 5, 11 },
        { DiagnosticCodes.MalformedSkill, "role: r\ngrants:\n  - skill: coverage.deny\n", 3, 12 },
        { DiagnosticCodes.DuplicateRole, "role: r\n---\nrole: r\n", 3, 7 },
        { DiagnosticCodes.DuplicateSkill, "skills:\n  - skill: a.b\n    versions: [1]\n  - skill: a.b\n    versions: [2]\nroles:\n  - role: r\n", 4, 12 },
        { DiagnosticCodes.DuplicatePrincipal, "role: r\n---\nprincipals:\n  - id: p\n    kind: human\n    role: r\n  - id: p\n    kind: human\n    role: r\n", 7, 9 },
        { DiagnosticCodes.NotInCatalogue, "skills:\n  - skill: a.b\n    versions: [1]\nroles:\n  - role: r\n    grants:\n      - skill: a.b@2\n", 7, 16 },
        { DiagnosticCodes.GrantedAndForbidden, "role: r\ngrants:\n  - skill: a.b@1\nforbidden:\n  - skill: a.b\n", 3, 12 },
        { DiagnosticCodes.DuplicateGrant, "role: r\ngrants:\n  - skill: a.b@1\n  - skill: a.b@1\n", 4, 12 },
        { DiagnosticCodes.ForbiddenWithVersion, "role: r\nforbidden:\n  - skill: a.b@1\n", 3, 12 },
        { DiagnosticCodes.ReservedSkill, "role: r\ngrants:\n  - skill: makerchecker.policy.activate@1\n", 3, 12 },
        { DiagnosticCodes.UnknownRole, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      approver_roles: [reviewr]\n", 5, 24 },
        { DiagnosticCodes.ApproversBelowOne, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      approvers: 0\n", 5, 18 },
        { DiagnosticCodes.GateUnsatisfiable, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      approvers: 2\n---\nprincipals:\n  - id: p\n    kind: human\n    role: r\n", 5, 7 },
        { DiagnosticCodes.InvalidDuration, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      min_review: 30\n", 5, 19 },
        { DiagnosticCodes.InvalidFraction, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      sample: 1.5\n", 5, 15 },
        { DiagnosticCodes.HighRiskRequiresGate, "role: r\ngrants:\n  - skill: a.b@1\n    risk: high\n", 3, 12 },
        { DiagnosticCodes.InvalidLimit, "role: r\ngrants:\n  - skill: a.b@1\n    limits:\n      max_amount: 100\n", 5, 19 },
        { DiagnosticCodes.PrincipalUnknownRole, "role: r\n---\nprincipals:\n  - id: p\n    kind: human\n    role: x\n", 6, 11 },
        { DiagnosticCodes.AgentWithoutOwner, "role: r\n---\nprincipals:\n  - id: bot\n    kind: agent\n    role: r\n", 4, 9 },
        { DiagnosticCodes.SeparationViolated, "role: a\n---\nrole: b\n---\nseparation:\n  - roles: [a, b]\nprincipals:\n  - id: bot\n    kind: agent\n    role: a\n    owner: boss\n  - id: boss\n    kind: human\n    role: b\n", 12, 9 },
        { DiagnosticCodes.PrincipalRoleCount, "role: r\n---\nprincipals:\n  - id: p\n    kind: human\n    roles: [r]\n", 6, 5 },
        { DiagnosticCodes.EmptyPolicy, "# nothing here\n", 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_error_code_is_reported_at_its_line_and_column(string code, string yaml, int line, int column)
    {
        var result = PolicyLoader.Load(yaml, "golden.yaml");

        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code == code);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(("golden.yaml", line, column), (diagnostic.Location.File, diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Message));
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Hint));
    }

    public static TheoryData<string, string, int, int> WarningCases => new()
    {
        { DiagnosticCodes.RequesterMayApprove, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      forbid_requester: false\n", 5, 25 },
        { DiagnosticCodes.AgentApproversAllowed, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      allow_agent_approvers: true\n", 5, 30 },
        { DiagnosticCodes.PresentationNotRequired, "role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      require_presentation: false\n", 5, 29 },
        { DiagnosticCodes.OwnerNotDeclared, "role: r\n---\nprincipals:\n  - id: bot\n    kind: agent\n    role: r\n    owner: nobody\n", 7, 12 },
        { DiagnosticCodes.NoMinimumReview, "role: r\ngrants:\n  - skill: a.b@1\n    risk: high\n    gate:\n      approvers: 1\n", 6, 7 },
        { DiagnosticCodes.PolicyChangesUngoverned, "policy:\n  name: p\nroles:\n  - role: r\n", 2, 3 },
    };

    [Theory]
    [MemberData(nameof(WarningCases))]
    public void Each_warning_code_is_reported_and_the_policy_still_loads(string code, string yaml, int line, int column)
    {
        var result = PolicyLoader.Load(yaml, "golden.yaml");

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code == code);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal((line, column), (diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Contains(diagnostic, result.Policy!.Warnings);
    }

    [Fact]
    public void Every_documented_error_code_has_a_golden_case()
    {
        var covered = Cases.Select(row => (string)row[0]).Concat(WarningCases.Select(row => (string)row[0])).ToHashSet();
        var all = typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        // FileUnreadable needs a real file and is covered by PolicyLoaderTests.
        var missing = all.Where(c => !covered.Contains(c) && c != DiagnosticCodes.FileUnreadable).ToList();
        Assert.Empty(missing);
        Assert.Equal(all.Count, all.Distinct().Count());
    }
}
