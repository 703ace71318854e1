using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;
using static MakerChecker.Tests.PolicyChanges.GovernedPolicies;

namespace MakerChecker.Tests.PolicyChanges;

/// <summary><c>policy.changes</c> in the loader: what it compiles to, its hash, and bad input reported with file, line, column and a fix.</summary>
public class PolicyChangesSectionTests
{
    [Fact]
    public void A_changes_section_compiles_with_its_defaults_written_out()
    {
        var policy = Load(Yaml(changes: """
              changes:
                proposer_roles: [ops, director, ops]
                approver_roles: [director]
            """));
        var changes = policy.Changes!;

        Assert.Equal(["director", "ops"], changes.ProposerRoles);
        Assert.Equal((1, TimeSpan.Zero, TimeSpan.FromHours(72)), (changes.Approvers, changes.MinReview, changes.ExpiresAfter));
        Assert.Empty(changes.BreakGlassRoles);
        Assert.Equal(("governed.yaml", 5, 5), (changes.Location.File, changes.Location.Line, changes.Location.Column));
        Assert.DoesNotContain(policy.Warnings, w => w.Code == DiagnosticCodes.PolicyChangesUngoverned);
    }

    [Fact]
    public void Changes_are_part_of_the_hash_when_present_and_leave_other_policies_hashes_as_they_were()
    {
        Assert.NotEqual(Current().Hash, Ungoverned().Hash);
        Assert.NotEqual(Current().Hash, OneApprover().Hash);
        // The hash of a policy without the section is the hash of its canonical form, which has no 'changes' member.
        var ungoverned = Ungoverned();
        Assert.False(ungoverned.CanonicalForm.TryGetProperty("changes", out _));
        Assert.Equal(2, Current().CanonicalForm.GetProperty("changes").GetProperty("approvers").GetInt32());
        // Reformatting the section (flow style, key order) keeps the hash.
        var flow = Load(Yaml(changes: """
              changes: { break_glass: { roles: [oncall] }, expires_after: 24h, min_review: 600s, approver_roles: [director], approvers: 2, proposer_roles: [director, ops] }
            """));
        Assert.Equal(Current().Hash, flow.Hash);
    }

    public static TheoryData<string, string, int, int, string> BadSections => new()
    {
        // the changes block, the code, line, column, and a word the fix must contain
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    aprovers: 2\n", DiagnosticCodes.UnknownKey, 7, 5, "approvers" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    approvers: 0\n", DiagnosticCodes.ApproversBelowOne, 7, 16, "approvers: 1" },
        { "  changes:\n    proposer_roles: [opps]\n    approver_roles: [director]\n", DiagnosticCodes.UnknownRole, 5, 22, "ops" },
        { "  changes:\n    approver_roles: [director]\n", DiagnosticCodes.MissingKey, 5, 5, "proposer_roles" },
        { "  changes:\n    proposer_roles: [ops]\n", DiagnosticCodes.MissingKey, 5, 5, "approver_roles" },
        { "  changes:\n    proposer_roles: []\n    approver_roles: [director]\n", DiagnosticCodes.InvalidValue, 5, 5, "at least one role" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    min_review: 10\n", DiagnosticCodes.InvalidDuration, 7, 17, "" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    expires_after: 0s\n", DiagnosticCodes.InvalidDuration, 7, 20, "72h" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    approvers: 4\n", DiagnosticCodes.GateUnsatisfiable, 5, 5, "approvers" },
        { "  changes: everyone\n", DiagnosticCodes.WrongType, 4, 12, "" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    break_glass: {}\n", DiagnosticCodes.MissingKey, 7, 18, "roles" },
        { "  changes:\n    proposer_roles: [ops]\n    approver_roles: [director]\n    require_presentation: false\n", DiagnosticCodes.UnknownKey, 7, 5, "" },
    };

    [Theory]
    [MemberData(nameof(BadSections))]
    public void Bad_input_in_the_changes_section_is_an_error_with_file_line_column_and_a_fix(string block, string code, int line, int column, string fix)
    {
        var result = PolicyLoader.Load(Yaml(changes: block), "governed.yaml");

        Assert.False(result.Succeeded);
        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code == code);
        Assert.Equal(("governed.yaml", line, column), (diagnostic.Location.File, diagnostic.Location.Line, diagnostic.Location.Column));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.Hint));
        Assert.Contains(fix, diagnostic.Message + " " + diagnostic.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_without_changes_loads_with_a_warning_that_says_how_to_govern_it()
    {
        var result = PolicyLoader.Load(Yaml(changes: ""), "governed.yaml");

        var warning = Assert.Single(result.Diagnostics, d => d.Code == DiagnosticCodes.PolicyChangesUngoverned);
        Assert.Equal((DiagnosticSeverity.Warning, 2, 3), (warning.Severity, warning.Location.Line, warning.Location.Column));
        Assert.Contains("policy.changes", warning.Message, StringComparison.Ordinal);
        Assert.Contains("proposer_roles", warning.Hint, StringComparison.Ordinal);
        Assert.Null(result.GetPolicyOrThrow().Changes);
    }
}
