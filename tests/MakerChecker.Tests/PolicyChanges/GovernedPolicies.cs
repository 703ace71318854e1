using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.PolicyChanges;

/// <summary>
/// Policies that govern their own replacement (<c>policy.changes</c>): two directors must approve a change after 10 minutes
/// with it, operations propose, on-call may break the glass. Variants differ in one setting each, so that each activation
/// is a different policy.
/// </summary>
internal static class GovernedPolicies
{
    public const string Deny = "coverage.deny@1";

    /// <summary>The policy text; <paramref name="changes"/> replaces the whole <c>changes:</c> block (empty: ungoverned).</summary>
    public static string Yaml(string version = "1", string minReview = "30s", string? changes = null) => $$"""
        policy:
          name: governed
          version: "{{version}}"
        {{changes ?? DefaultChanges}}
        roles:
          - role: drafter
            grants:
              - skill: coverage.deny@1
                risk: high
                gate:
                  approvers: 1
                  approver_roles: [reviewer]
                  min_review: {{minReview}}
          - role: reviewer
            grants:
              - skill: coverage.note@1
          - role: ops
          - role: director
          - role: oncall
        principals:
          - { id: bot, kind: agent, role: drafter, owner: ops.lead }
          - { id: ops.lead, kind: human, role: ops }
          - { id: ops.two, kind: human, role: ops }
          - { id: dr.x, kind: human, role: director }
          - { id: dr.y, kind: human, role: director }
          - { id: dr.z, kind: human, role: director }
          - { id: director-bot, kind: agent, role: director, owner: dr.z }
          - { id: oncall.1, kind: human, role: oncall }
          - { id: dr.a, kind: human, role: reviewer }
        """;

    public const string DefaultChanges = """
          changes:
            proposer_roles: [ops, director]
            approvers: 2
            approver_roles: [director]
            min_review: 10m
            expires_after: 24h
            break_glass:
              roles: [oncall]
        """;

    public static CompiledPolicy Load(string yaml) => PolicyLoader.Load(yaml, "governed.yaml").GetPolicyOrThrow();

    public static CompiledPolicy Current() => Load(Yaml());

    /// <summary>The same policy with the denial gate's min_review removed: a weakening.</summary>
    public static CompiledPolicy Loosened() => Load(Yaml(version: "2", minReview: "0s"));

    /// <summary>The same rules with one approver for policy changes.</summary>
    public static CompiledPolicy OneApprover() => Load(Yaml(version: "3", changes: DefaultChanges.Replace("approvers: 2", "approvers: 1", StringComparison.Ordinal)));

    /// <summary>The same rules without policy.changes.</summary>
    public static CompiledPolicy Ungoverned() => Load(Yaml(version: "4", changes: ""));

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    /// <summary>Presents the change to each approver, lets <paramref name="dwell"/> pass, and has each approve.</summary>
    public static async Task<GateResult> ApproveAsync(ApprovalGate gate, FakeTimeProvider clock, string requestId, TimeSpan dwell, params string[] approvers)
    {
        foreach (var a in approvers) await gate.PresentAsync(requestId, a);
        clock.Advance(dwell);
        GateResult last = null!;
        foreach (var a in approvers) last = await gate.ApproveAsync(requestId, a, "read the change");
        return last;
    }

    public static async Task<(InMemoryAuditStore Store, ApprovalGate Gate)> StartAsync(FakeTimeProvider clock, CompiledPolicy? policy = null)
    {
        var store = new InMemoryAuditStore(timeProvider: clock);
        var gate = await ApprovalGate.CreateAsync(policy ?? Current(), store, clock);
        return (store, gate);
    }
}
