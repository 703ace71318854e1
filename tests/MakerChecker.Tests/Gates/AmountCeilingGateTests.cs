using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// A grant with both an amount ceiling and a gate (the claims-review sample's <c>coverage.approve@1</c>, sampled): the
/// approved request runs, with its approved payload, and its amount is judged against the ceiling in force at execution.
/// Regression for issue 12: execution re-checked the grant without the payload, so every such request was refused
/// <c>limit_amount_unreadable</c>.
/// </summary>
public class AmountCeilingGateTests
{
    private const string Pay = "coverage.approve@1";
    private static readonly string PolicyPath = Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml");

    [Fact]
    public async Task A_sampled_payment_under_the_ceiling_runs_once_approved()
    {
        await using var gate = NewGate(PolicyLoader.LoadFile(PolicyPath).GetPolicyOrThrow());
        var claim = Claim(1840.5m);
        var paid = 0;

        var opened = await gate.InvokeAsync("payer-bot", Pay, claim, _ => { paid++; return ValueTask.CompletedTask; });
        Assert.Equal(ReasonCodes.SampledForReview, opened.ReasonCode);
        var id = opened.Request!.Id;
        Assert.False((await gate.PresentAsync(id, "dr.okafor")).IsRefused);
        var signed = await gate.ApproveAsync(id, "dr.okafor", "payment checked against the file");
        Assert.False(signed.IsRefused, signed.Message);

        var executed = await gate.ExecuteAsync(id, "payer-bot", Claim(1840.5m), _ => { paid++; return ValueTask.CompletedTask; });

        Assert.False(executed.IsRefused, executed.Message);
        Assert.Equal(ReasonCodes.Executed, executed.ReasonCode);
        Assert.Equal(ApprovalStatus.Executed, executed.Request!.Status);
        Assert.Equal(1, paid);
        var again = await gate.ExecuteAsync(id, "payer-bot", Claim(1840.5m), _ => { paid++; return ValueTask.CompletedTask; });
        Assert.Equal(ReasonCodes.AlreadyExecuted, again.ReasonCode);
        Assert.Equal(1, paid);
    }

    [Fact]
    public async Task Execution_judges_the_approved_amount_against_the_ceiling_in_force_now()
    {
        var yaml = await File.ReadAllTextAsync(PolicyPath);
        await using var gate = NewGate(PolicyLoader.Load(yaml, "claims-review.yaml").GetPolicyOrThrow());
        var opened = await gate.InvokeAsync("payer-bot", Pay, Claim(1840.5m), _ => ValueTask.CompletedTask);
        var id = opened.Request!.Id;
        await gate.PresentAsync(id, "dr.okafor");
        Assert.False((await gate.ApproveAsync(id, "dr.okafor", "checked")).IsRefused);

        // The ceiling is lowered below the approved amount before the request runs.
        var loweredYaml = yaml.Replace("max_amount: 25000", "max_amount: 1000", StringComparison.Ordinal);
        var lowered = PolicyLoader.Load(loweredYaml, "claims-review.yaml").GetPolicyOrThrow();
        // The sample policy governs its own replacement (policy.changes): operations may change it alone only under break-glass.
        Assert.Equal(ReasonCodes.BreakGlass, (await gate.BreakGlassPolicyAsync("ops.lead", lowered, "fraud wave: lower the ceiling now")).ReasonCode);
        var ran = false;
        var executed = await gate.ExecuteAsync(id, "payer-bot", Claim(1840.5m), _ => { ran = true; return ValueTask.CompletedTask; });

        Assert.Equal(DecisionOutcome.Refused, executed.Outcome);
        Assert.Equal(ReasonCodes.LimitExceeded, executed.ReasonCode);
        Assert.False(ran);
    }

    private static ApprovalGate NewGate(MakerChecker.Policy.Model.CompiledPolicy policy) =>
        new(policy, new InMemoryAuditStore(), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero)), sampleSource: () => 0.0);

    private static JsonObject Claim(decimal amount) => new() { ["claim"] = new JsonObject { ["id"] = "C-2001", ["amount"] = amount } };
}
