using System.Diagnostics;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MakerChecker.OpenTelemetry.Tests;

/// <summary>An in-memory exporter subscribed with AddMakerCheckerInstrumentation() sees the gate's decisions and spans.</summary>
public sealed class InstrumentationTests
{
    [Fact]
    public async Task Exporters_see_decisions_sign_offs_and_spans_of_the_gate_and_of_a_gated_tool_call()
    {
        var metrics = new List<Metric>();
        var spans = new List<Activity>();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMakerCheckerInstrumentation().AddInMemoryExporter(metrics).Build();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddMakerCheckerInstrumentation().AddInMemoryExporter(spans).Build();

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
        await using var store = new InMemoryAuditStore(timeProvider: clock);
        await using var gate = await ApprovalGate.CreateAsync(policy, store, clock);
        var claim = new JsonObject { ["claimId"] = "C-1009" };

        var flag = AIFunctionFactory.Create((string claimId) => "flagged", "flag_claim").WithMakerChecker(gate, "coverage.flag@1", "screener-bot");
        await flag.InvokeAsync(new AIFunctionArguments { ["claimId"] = "C-1009" });
        var opened = await gate.InvokeAsync("drafter-bot", "coverage.deny@1", claim, _ => ValueTask.CompletedTask);
        await gate.PresentAsync(opened.Request!.Id, "dr.okafor");
        clock.Advance(TimeSpan.FromSeconds(95));
        await gate.ApproveAsync(opened.Request.Id, "dr.okafor", "chart reviewed");
        meters.ForceFlush();
        tracer.ForceFlush();

        var decisions = metrics.Single(m => m.Name == "makerchecker.decisions");
        var outcomes = new List<string>();
        foreach (ref readonly var point in decisions.GetMetricPoints())
        {
            foreach (var tag in point.Tags) if (tag.Key == "outcome") outcomes.Add((string)tag.Value!);
        }
        Assert.Contains("allowed", outcomes);
        Assert.Contains("approval_required", outcomes);
        Assert.Contains(metrics, m => m.Name == "makerchecker.signoffs");
        Assert.Contains(metrics, m => m.Name == "makerchecker.signoff.dwell");

        var names = spans.Select(s => s.DisplayName).ToList();
        Assert.Contains("makerchecker.invoke", names);
        Assert.Contains("makerchecker.signoff", names);
        var toolCall = spans.Single(s => s.DisplayName == "makerchecker.tool_call");
        Assert.Equal("flag_claim", toolCall.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("allowed", toolCall.GetTagItem("makerchecker.outcome"));
        // The gate's span of the tool call is a child of the integration's.
        Assert.Contains(spans, s => s.DisplayName == "makerchecker.invoke" && s.ParentSpanId == toolCall.SpanId);
    }
}
