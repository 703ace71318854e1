using System.Text.Json.Nodes;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Policy.Model;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>The policy the gate checks over a store run (restart, several instances, several processes), and its common steps.</summary>
public static class GateTestPolicy
{
    /// <summary>The per-minute limit on <c>coverage.flag@1</c> for the screener role.</summary>
    public const int PerMinute = 5;

    /// <summary>
    /// A screener role that may flag (at most <see cref="PerMinute"/> a minute) and deny coverage (gated: two reviewers,
    /// 30 s of review); an agent owned by a human screener; two human reviewers.
    /// </summary>
    public const string Text = """
        policy:
          name: store-gates
          version: "1"
        skills:
          - skill: coverage.flag
            versions: [1]
            risk: low
          - skill: coverage.deny
            versions: [1]
            risk: high
        roles:
          - role: screener
            grants:
              - skill: coverage.flag@1
                limits:
                  per_minute: 5
              - skill: coverage.deny@1
                gate:
                  approvers: 2
                  approver_roles: [reviewer]
                  min_review: 30s
                  expires_after: 72h
          - role: reviewer
        principals:
          - id: ops.lead
            kind: human
            role: screener
          - id: screener-bot
            kind: agent
            role: screener
            owner: ops.lead
          - id: dr.a
            kind: human
            role: reviewer
          - id: dr.b
            kind: human
            role: reviewer
        """;

    /// <summary>The payload every check invokes with.</summary>
    /// <returns>A new payload.</returns>
    public static JsonObject Claim() => new() { ["claim"] = new JsonObject { ["id"] = "C-1" } };

    /// <summary>The policy, compiled.</summary>
    /// <returns>The compiled policy.</returns>
    public static CompiledPolicy Load() => PolicyLoader.Load(Text).GetPolicyOrThrow();

    /// <summary>
    /// Opens a denial request on <paramref name="a"/> for screener-bot, presents it and approves it on <paramref name="b"/>
    /// (dr.a) and <paramref name="c"/> (dr.b) after advancing <paramref name="time"/> past the review floor.
    /// </summary>
    /// <param name="a">The gate the request is opened on.</param>
    /// <param name="b">The gate dr.a reviews on.</param>
    /// <param name="c">The gate dr.b reviews on.</param>
    /// <param name="time">The gates' clock.</param>
    /// <returns>The request id.</returns>
    public static async Task<string> OpenApprovedRequestAsync(ApprovalGate a, ApprovalGate b, ApprovalGate c, Microsoft.Extensions.Time.Testing.FakeTimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(time);
        var requested = await a.InvokeAsync("screener-bot", "coverage.deny@1", Claim(), _ => throw new InvalidOperationException("a gated action ran at invocation"));
        Assert.Equal(Decisions.DecisionOutcome.ApprovalRequired, requested.Outcome);
        var id = requested.Request!.Id;
        Assert.Equal(Decisions.ReasonCodes.Presented, (await b.PresentAsync(id, "dr.a")).ReasonCode);
        Assert.Equal(Decisions.ReasonCodes.Presented, (await c.PresentAsync(id, "dr.b")).ReasonCode);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(Decisions.ReasonCodes.SignedOff, (await b.ApproveAsync(id, "dr.a", "checked")).ReasonCode);
        Assert.Equal(Decisions.ReasonCodes.AlreadySigned, (await c.ApproveAsync(id, "dr.a", "again")).ReasonCode);
        Assert.Equal(Decisions.ReasonCodes.SignedOff, (await c.ApproveAsync(id, "dr.b", "checked")).ReasonCode);
        return id;
    }
}
