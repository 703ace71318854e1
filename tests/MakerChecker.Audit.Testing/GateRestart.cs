using System.Text.Json.Nodes;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Transparency;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace MakerChecker.Audit.Testing;

/// <summary>
/// The gate's durable state lives in the log: a gate built through <c>AddMakerChecker</c> over a store, restarted,
/// still has its pending requests and its limit counts. Each append is the single transaction that records a state
/// change, because the gate appends first and changes its memory (a projection of the log) only after.
/// </summary>
public static class GateRestart
{
    /// <summary>
    /// Opens a request and uses up a limit through one gate, disposes it, and checks that a second gate over the same
    /// log sees the open request and the exhausted limit.
    /// </summary>
    /// <param name="addStore">
    /// Registers the store under test, for example <c>s =&gt; s.AddSqliteAuditStore(path)</c>; called once per gate, on a container whose
    /// <see cref="TimeProvider"/> is the test's fake clock.
    /// </param>
    /// <returns>A task that completes once the check passed.</returns>
    public static async Task AssertStateSurvivesRestartAsync(Action<IServiceCollection> addStore)
    {
        var policy = GateTestPolicy.Load();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var claim = GateTestPolicy.Claim();
        Func<CancellationToken, ValueTask> action = _ => ValueTask.CompletedTask;
        string requestId;
        // The gate's log is signed as it is written (checkpointed by default): the key and the checkpoint history live here.
        var keys = Directory.CreateTempSubdirectory("mc-gate-restart-").FullName;
        using var cleanup = new TempFolder(keys);
        Ed25519KeyFile.Create(Path.Combine(keys, "makerchecker.key"), Path.Combine(keys, "makerchecker.pub.pem"));
        await using (var before = Build(policy, time, addStore, keys))
        {
            var gate = before.GetRequiredService<ApprovalGate>();
            var requested = await gate.InvokeAsync("screener-bot", "coverage.deny@1", claim, action);
            Assert.Equal(DecisionOutcome.ApprovalRequired, requested.Outcome);
            requestId = requested.Request!.Id;
            for (var i = 0; i < GateTestPolicy.PerMinute; i++)
            {
                Assert.Equal(DecisionOutcome.Allowed, (await gate.InvokeAsync("screener-bot", "coverage.flag@1", claim, action)).Outcome);
            }
        }

        Assert.True(File.Exists(Path.Combine(keys, "audit" + CheckpointedAuditStore.HistoryFileSuffix)), "the closed gate signed no checkpoint");
        await using var after = Build(policy, time, addStore, keys);
        var restarted = after.GetRequiredService<ApprovalGate>();
        await restarted.InitializeAsync();
        Assert.Equal(requestId, Assert.Single(restarted.GetOpenRequests()).Id);
        Assert.Equal(ReasonCodes.LimitExceeded, (await restarted.InvokeAsync("screener-bot", "coverage.flag@1", claim, action)).ReasonCode);
    }

    private static ServiceProvider Build(Policy.Model.CompiledPolicy policy, TimeProvider time, Action<IServiceCollection> addStore, string keys)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        addStore(services);
        services.AddMakerChecker(o =>
        {
            o.Policy = policy;
            o.TimeProvider = time;
            o.Checkpoints.KeyPath = Path.Combine(keys, "makerchecker.key");
            o.Checkpoints.FilePrefix = Path.Combine(keys, "audit");
        });
        return services.BuildServiceProvider();
    }

    private sealed class TempFolder(string path) : IDisposable
    {
        public void Dispose() => Directory.Delete(path, recursive: true);
    }
}
