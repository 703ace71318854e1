using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Tests.Policy;

public sealed class PolicyLoaderTests
{
    private static string PolicyPath(string name) => Path.Combine(AppContext.BaseDirectory, "Policies", name);

    [Fact]
    public void The_product_brief_example_loads_exactly_as_written()
    {
        var result = PolicyLoader.LoadFile(PolicyPath("product-brief.yaml"));

        var policy = result.GetPolicyOrThrow();
        Assert.Equal(["claims-screener", "medical-reviewer"], policy.Roles.Keys.Order());
        var screener = policy.Roles["claims-screener"];
        Assert.True(screener.TryGetGrant("coverage.flag@1", out var flag));
        Assert.Equal(RiskTier.Low, flag!.Risk);
        Assert.True(screener.IsForbidden("coverage.deny", out _));
        var deny = policy.Roles["medical-reviewer"].Grants["coverage.deny@1"];
        Assert.Equal(RiskTier.High, deny.Risk);
        Assert.Equal(1, deny.Gate!.Approvers);
        Assert.True(deny.Gate.ForbidRequester);
        Assert.True(deny.Gate.RequirePresentation);
        Assert.False(deny.Gate.AllowAgentApprovers);
        Assert.Equal(["medical-reviewer"], deny.Gate.ApproverRoles);
        Assert.True(deny.Gate.ApproverRolesDefaulted);
        Assert.Equal(TimeSpan.FromHours(72), deny.Gate.ExpiresAfter);
        Assert.Equal(new SourceLocation(PolicyPath("product-brief.yaml"), 9, 12), deny.Location);
        Assert.Equal(64, policy.Hash.Length);
        // Legal but suspicious: no min_review on a high-risk gate, and no policy.changes (anyone with the gate may replace it).
        Assert.Equal([DiagnosticCodes.NoMinimumReview, DiagnosticCodes.PolicyChangesUngoverned], policy.Warnings.Select(w => w.Code));
    }

    [Fact]
    public void The_claims_review_sample_loads_without_diagnostics()
    {
        var result = PolicyLoader.LoadFile(PolicyPath("claims-review.yaml"));

        Assert.Empty(result.Diagnostics);
        var policy = result.GetPolicyOrThrow();
        Assert.Equal("claims-review", policy.Name);
        Assert.Equal("2026.11", policy.Version);
        var processor = policy.Roles["claims-processor"].Grants["coverage.approve@1"];
        Assert.Equal(0.05, processor.Gate!.Sample);
        Assert.False(processor.Gate.GatesEveryInvocation);
        Assert.Equal(25000m, processor.Limits!.MaxAmount);
        Assert.Equal("claim.amount", processor.Limits.AmountField);
        Assert.Equal(["medical-director"], policy.Roles["medical-director"].Grants["coverage.deny@1"].Gate!.BreakGlassRoles);
        Assert.Equal(PrincipalKind.Agent, policy.Principals["screener-bot"].Kind);
        Assert.Equal("ops.lead", policy.Principals["screener-bot"].Owner);
    }

    [Fact]
    public void All_errors_are_reported_at_once_in_file_order()
    {
        const string yaml = """
            role: reviewer
            grants:
              - skill: coverage.deny@1
                risk: high
                gate:
                  approvers: 0
                  forbid_requestor: false
                  min_review: soon
            forbidden:
              - skill: coverage.deny
            """;

        var result = PolicyLoader.Load(yaml, "many.yaml");

        Assert.Null(result.Policy);
        Assert.Equal(
            [DiagnosticCodes.GrantedAndForbidden, DiagnosticCodes.ApproversBelowOne, DiagnosticCodes.UnknownKey, DiagnosticCodes.InvalidDuration],
            result.Errors.Select(e => e.Code));
        var typo = result.Errors.Single(e => e.Code == DiagnosticCodes.UnknownKey);
        Assert.Contains("forbid_requester", typo.Hint, StringComparison.Ordinal);
        Assert.Equal("many.yaml(7,7): error MC1002: Unknown key 'forbid_requestor' in a gate. Did you mean 'forbid_requester'? An unknown key is an error so that a typo can never silently weaken a gate.", typo.ToString());
        var ex = Assert.Throws<PolicyValidationException>(() => result.GetPolicyOrThrow());
        Assert.Contains("4 error(s)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_in_the_wrong_place_says_where_it_belongs()
    {
        var result = PolicyLoader.Load("role: r\ngrants:\n  - skill: a.b@1\n    forbid_requester: true\n", "p.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(DiagnosticCodes.UnknownKey, error.Code);
        Assert.Contains("belongs in a gate", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("\"true\"")]
    public void Booleans_must_be_written_true_or_false(string value)
    {
        var result = PolicyLoader.Load($"role: r\ngrants:\n  - skill: a.b@1\n    gate:\n      forbid_requester: {value}\n", "p.yaml");

        Assert.Equal(DiagnosticCodes.WrongType, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void A_grant_for_one_version_does_not_cover_another()
    {
        var policy = PolicyLoader.Load("role: r\ngrants:\n  - skill: a.b@1\n", "p.yaml").GetPolicyOrThrow();

        Assert.True(policy.Roles["r"].TryGetGrant("a.b@1", out _));
        Assert.False(policy.Roles["r"].TryGetGrant("a.b@2", out _));
        Assert.False(policy.Roles["r"].TryGetGrant("a.b@1.0", out _));
    }

    [Fact]
    public void Ownership_of_a_conflicting_agent_breaks_separation_and_owners_are_excluded_from_gates()
    {
        const string yaml = """
            roles:
              - role: screener
                grants: [ { skill: c.deny@1, gate: { approver_roles: [reviewer] } } ]
              - role: reviewer
            principals:
              - { id: bot, kind: agent, role: screener, owner: dr.a }
              - { id: dr.a, kind: human, role: reviewer }
            """;

        var result = PolicyLoader.Load(yaml, "p.yaml");

        // dr.a is the only reviewer and owns the requesting agent, so the gate can never be satisfied.
        Assert.Equal(DiagnosticCodes.GateUnsatisfiable, Assert.Single(result.Errors).Code);
        Assert.Contains("'bot'", result.Errors.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_the_requester_owns_cannot_be_the_only_signer()
    {
        const string yaml = """
            roles:
              - role: clerk
                grants: [ { skill: pay.release@1, gate: { approver_roles: [checker-bot], allow_agent_approvers: true } } ]
              - role: checker-bot
            principals:
              - { id: clerk.a, kind: human, role: clerk }
              - { id: bot, kind: agent, role: checker-bot, owner: clerk.a }
            """;

        var error = Assert.Single(PolicyLoader.Load(yaml, "p.yaml").Errors);

        Assert.Equal(DiagnosticCodes.GateUnsatisfiable, error.Code);
    }

    [Fact]
    public void Run_time_principals_get_the_same_validation()
    {
        var policy = PolicyLoader.LoadFile(PolicyPath("claims-review.yaml")).GetPolicyOrThrow();

        Assert.Empty(PolicyValidator.ValidatePrincipal(policy, new PrincipalDefinition("dr.new", PrincipalKind.Human, "medical-reviewer")));
        Assert.Equal(DiagnosticCodes.PrincipalUnknownRole, Assert.Single(PolicyValidator.ValidatePrincipal(policy, new PrincipalDefinition("x", PrincipalKind.Human, "nurse"))).Code);
        Assert.Equal(DiagnosticCodes.AgentWithoutOwner, Assert.Single(PolicyValidator.ValidatePrincipal(policy, new PrincipalDefinition("bot2", PrincipalKind.Agent, "claims-screener"))).Code);
        // ops.lead owns the screener agent; as a medical reviewer they would hold both sides of a separation.
        var conflicted = PolicyValidator.ValidatePrincipal(policy, new PrincipalDefinition("ops.lead", PrincipalKind.Human, "medical-reviewer"));
        Assert.Contains(conflicted, d => d.Code == DiagnosticCodes.SeparationViolated);
    }

    [Theory]
    [InlineData("\"p\\uD800\"", DiagnosticCodes.YamlSyntax)] // the YAML reader itself refuses a lone surrogate
    [InlineData("\"has space\"", DiagnosticCodes.InvalidValue)]
    [InlineData("-leading-dash", DiagnosticCodes.InvalidValue)]
    public void Principal_ids_must_be_well_formed_identifiers(string id, string code)
    {
        var result = PolicyLoader.Load($"role: r\n---\nprincipals:\n  - id: {id}\n    kind: human\n    role: r\n", "p.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal((code, 4), (error.Code, error.Location.Line));
    }

    [Fact]
    public void An_unreadable_file_is_a_diagnostic_not_an_exception()
    {
        var result = PolicyLoader.LoadFile(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "missing.yaml"));

        Assert.Equal(DiagnosticCodes.FileUnreadable, Assert.Single(result.Errors).Code);
    }

    [Fact]
    public void Invalid_utf8_is_a_diagnostic()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, [(byte)'r', (byte)'o', (byte)'l', (byte)'e', (byte)':', (byte)' ', 0xC3, 0x28]);
        try
        {
            Assert.Equal(DiagnosticCodes.YamlSyntax, Assert.Single(PolicyLoader.LoadFile(path).Errors).Code);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(100_000)]
    public void Very_deep_or_large_documents_are_refused_cleanly(int depth)
    {
        var deep = "role: r\ngrants: " + new string('[', depth) + new string(']', depth);
        var wide = "role: r\ngrants:\n" + string.Concat(Enumerable.Repeat("  - skill: a.b@1\n", 100_000));

        Assert.Equal(DiagnosticCodes.DocumentTooLarge, Assert.Single(PolicyLoader.Load(deep, "deep.yaml").Errors).Code);
        Assert.Equal(DiagnosticCodes.DocumentTooLarge, Assert.Single(PolicyLoader.Load(wide, "wide.yaml").Errors).Code);
    }

    [Fact]
    public void A_billion_laughs_document_is_refused_at_the_first_anchor()
    {
        const string yaml = "a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\n";

        var error = Assert.Single(PolicyLoader.Load(yaml, "laughs.yaml").Errors);
        Assert.Equal(DiagnosticCodes.AnchorOrAliasNotAllowed, error.Code);
        Assert.Equal(1, error.Location.Line);
    }

    [Fact]
    public void Seeded_corruptions_of_the_sample_policies_never_throw()
    {
        var random = new Random(20261122);
        string[] junk = [":", "-", "[", "{", "}", "]", "&a", "*a", "'", "\"", "\t", "\n", "<<: ", "!!str ", "#", "?", "|", ">", "\u0000", "\uD800", "@", ",", "%YAML 1.1\n"];
        foreach (var file in new[] { "claims-review.yaml", "product-brief.yaml" })
        {
            var original = File.ReadAllText(PolicyPath(file));
            for (var i = 0; i < 5_000; i++)
            {
                var text = original;
                for (var edit = random.Next(1, 4); edit > 0; edit--)
                {
                    var at = random.Next(text.Length);
                    text = random.Next(3) switch
                    {
                        0 => text.Remove(at, 1),
                        1 => text.Insert(at, junk[random.Next(junk.Length)]),
                        _ => text[..at] + junk[random.Next(junk.Length)] + text[Math.Min(text.Length, at + 1)..],
                    };
                }
                var result = PolicyLoader.Load(text, file);
                Assert.Equal(result.Succeeded, !result.Errors.Any());
            }
        }
    }
}
