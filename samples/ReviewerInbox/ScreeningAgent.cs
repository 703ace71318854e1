using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Gates;

namespace ReviewerInbox;

/// <summary>
/// The simulated screening agent: on start, when the log has no open request, it opens a few denial requests (drafted by
/// <c>drafter-bot</c>, one by <c>dr.director</c> that needs two physicians) and one break-glass use; then one new denial
/// request every <c>Demo:AgentEverySeconds</c> seconds (default 60). Each carries the proposer's basis.
/// </summary>
public sealed class ScreeningAgent(ApprovalGate gate, IConfiguration configuration, ILogger<ScreeningAgent> logger) : BackgroundService
{
    private static readonly string[] Diagnoses = ["M54.5 low back pain", "J06.9 upper respiratory infection", "E11.9 type 2 diabetes", "S93.4 ankle sprain"];
    private int _next = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await gate.InitializeAsync(stoppingToken);
        if (gate.GetOpenRequests().Count == 0)
        {
            for (var i = 0; i < 4; i++) await OpenAsync("drafter-bot", stoppingToken);
            await OpenAsync("dr.director", stoppingToken);
            await gate.BreakGlassAsync("dr.director", "coverage.deny@1", Claim(), "Member at risk of a duplicate payment over the weekend; sign-off could not wait.",
                _ => ValueTask.CompletedTask, cancellationToken: stoppingToken);
        }

        var every = TimeSpan.FromSeconds(configuration.GetValue("Demo:AgentEverySeconds", 60));
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(stoppingToken)) await OpenAsync("drafter-bot", stoppingToken);
    }

    private async Task OpenAsync(string requester, CancellationToken cancellationToken)
    {
        var basis = new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:5d0c0a8f9e2b4c7d1a3e6f8091b2c3d4e5f60718293a4b5c6d7e8f9001122334",
            "The diagnosis code is not covered by the member's plan.");
        var result = await gate.InvokeAsync(requester, "coverage.deny@1", Claim(), _ => ValueTask.CompletedTask, basis, cancellationToken: cancellationToken);
        logger.LogInformation("Screening agent: {Requester} asked to deny a claim: {ReasonCode}", requester, result.ReasonCode);
    }

    private JsonObject Claim()
    {
        var n = Interlocked.Increment(ref _next);
        return new JsonObject
        {
            ["claim"] = new JsonObject
            {
                ["id"] = "CLM-" + n.ToString(CultureInfo.InvariantCulture),
                ["member"] = "M-" + (n * 7919 % 100000).ToString("D5", CultureInfo.InvariantCulture),
                ["amount"] = 120 + (n * 37 % 4000),
                ["diagnosis"] = Diagnoses[n % Diagnoses.Length],
                ["provider"] = "Northside Clinic",
            },
        };
    }
}
