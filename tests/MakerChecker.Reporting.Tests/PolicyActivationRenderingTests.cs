using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting.Tests;

/// <summary>The HTML page, the terminal tables and the JSON each show every policy activation, who made it and how, with weakening changes flagged.</summary>
public sealed class PolicyActivationRenderingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-reporting-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Yaml(string minReview) => $$"""
        policy:
          name: claims
          version: "{{minReview}}"
          changes:
            proposer_roles: [ops]
            approver_roles: [director]
            break_glass: { roles: [ops] }
        roles:
          - role: denial-drafter
            grants:
              - skill: coverage.deny@1
                gate: { approver_roles: [reviewer], min_review: {{minReview}} }
          - role: reviewer
          - role: ops
          - role: director
        principals:
          - { id: ops.lead, kind: human, role: ops }
          - { id: dr.director, kind: human, role: director }
          - { id: dr.a, kind: human, role: reviewer }
        """;

    [Fact]
    public async Task A_break_glass_activation_that_removes_min_review_is_shown_with_who_and_flagged_as_weakening()
    {
        var path = Path.Combine(_dir, "audit.jsonl");
        await using (var store = await FileAuditStore.OpenAsync(path))
        {
            await using var gate = await ApprovalGate.CreateAsync(PolicyLoader.Load(Yaml("30s"), "claims.yaml").GetPolicyOrThrow(), store);
            var glass = await gate.BreakGlassPolicyAsync("ops.lead", PolicyLoader.Load(Yaml("0s"), "claims.yaml").GetPolicyOrThrow(), "clear the backlog");
            Assert.False(glass.IsRefused, glass.Message);
        }
        var (summary, evidence) = await ReviewEvidenceSource.LoadAsync(path);
        var report = RubberStampDetector.Analyze(evidence);

        var html = ReviewHtmlReport.Render(summary, report);
        Assert.Contains("<h2>Policy activations</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge high\">weakens</span> min_review removed from the coverage.deny@1 gate of denial-drafter", html,
            StringComparison.Ordinal);
        Assert.Contains("break-glass</span> clear the backlog", html, StringComparison.Ordinal);

        using var output = new StringWriter();
        ReviewTerminalReport.Write(output, summary, report);
        var text = output.ToString();
        Assert.Contains("Policy activations (2)", text, StringComparison.Ordinal);
        Assert.Contains("weakens: min_review removed from the coverage.deny@1 gate of denial-drafter", text, StringComparison.Ordinal);
        Assert.Contains("by ops.lead (break-glass", text, StringComparison.Ordinal);

        using var json = System.Text.Json.JsonDocument.Parse(ReviewJsonReport.Render(summary, report));
        var last = json.RootElement.GetProperty("policyActivations")[1];
        Assert.Equal(("ops.lead", "break-glass", true), (last.GetProperty("activatedBy").GetString(), last.GetProperty("how").GetString(),
            last.GetProperty("weakens").GetBoolean()));
    }
}
