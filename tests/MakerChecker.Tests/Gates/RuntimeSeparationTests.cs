using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// Static separation of duties holds for principals registered at run time as it does for those the loader reads: a
/// principal holds its own role and the roles of the agents it owns, whether either was declared or registered.
/// Regression for issue 12: registration checked only the new principal against the policy's principals, so an agent
/// owned by a human of a separated role was accepted.
/// </summary>
public class RuntimeSeparationTests
{
    private static readonly string PolicyPath = Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml");

    [Fact]
    public async Task An_agent_owned_by_a_human_of_a_separated_role_is_refused_as_the_loader_refuses_it()
    {
        var yaml = await File.ReadAllTextAsync(PolicyPath);
        var store = new InMemoryAuditStore();
        await using var gate = new ApprovalGate(PolicyLoader.Load(yaml, "claims-review.yaml").GetPolicyOrThrow(), store);

        // dr.okafor is a medical reviewer; denial-drafter and medical-reviewer are separated.
        var diagnostics = await gate.RegisterPrincipalAsync(Agent("drafter-2", "denial-drafter", "dr.okafor"));

        var error = Assert.Single(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(DiagnosticCodes.SeparationViolated, error.Code);
        Assert.Contains("dr.okafor", error.Message, StringComparison.Ordinal);
        Assert.Contains("drafter-2", error.Message, StringComparison.Ordinal);
        var invoked = await gate.InvokeAsync("drafter-2", "coverage.deny@1", Support.ClaimsFixture.Claim(), _ => ValueTask.CompletedTask);
        Assert.Equal(ReasonCodes.PrincipalUnknown, invoked.ReasonCode);
        await foreach (var e in store.ReadAsync()) Assert.NotEqual(AuditEventTypes.PrincipalRegistered, e.EventType);

        // The same principal written in the policy: the loader refuses it with the same code.
        const string Drafter2 = "  - id: drafter-2\n    kind: agent\n    role: denial-drafter\n    owner: dr.okafor\n\n";
        var declared = yaml.Replace("separation:", Drafter2 + "separation:", StringComparison.Ordinal);
        Assert.Contains(PolicyLoader.Load(declared, "claims-review.yaml").Errors, d => d.Code == DiagnosticCodes.SeparationViolated);
    }

    [Fact]
    public async Task Ownership_between_principals_registered_at_run_time_counts()
    {
        await using var gate = new ApprovalGate(PolicyLoader.LoadFile(PolicyPath).GetPolicyOrThrow(), new InMemoryAuditStore());

        Assert.Empty(await gate.RegisterPrincipalAsync(new PrincipalDefinition("dr.new", PrincipalKind.Human, "medical-reviewer")));
        var agent = await gate.RegisterPrincipalAsync(Agent("screen-2", "claims-screener", "dr.new"));
        Assert.Contains(agent, d => d.Code == DiagnosticCodes.SeparationViolated);

        // A run-time owner moved into a role separated from its run-time agent's.
        Assert.Empty(await gate.RegisterPrincipalAsync(new PrincipalDefinition("ops.two", PrincipalKind.Human, "claims-processor")));
        Assert.Empty(await gate.RegisterPrincipalAsync(Agent("screen-3", "claims-screener", "ops.two")));
        var moved = await gate.RegisterPrincipalAsync(new PrincipalDefinition("ops.two", PrincipalKind.Human, "medical-reviewer"));
        Assert.Contains(moved, d => d.Code == DiagnosticCodes.SeparationViolated && d.Message.Contains("screen-3", StringComparison.Ordinal));
        Assert.Equal("claims-processor", gate.ResolvePrincipal("ops.two")!.Role);
    }

    private static PrincipalDefinition Agent(string id, string role, string owner) => new(id, PrincipalKind.Agent, role, PrincipalStatus.Active, owner);
}
