using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Limits;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Limits;

public class LimitStressTests
{
    [Fact]
    public async Task Sixteen_threads_never_exceed_a_ceiling_together()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        using var start = new ManualResetEventSlim();
        var threads = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            var allowed = 0;
            for (var i = 0; i < 25; i++)
            {
                if ((await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action)).Outcome == DecisionOutcome.Allowed) allowed++;
            }
            return allowed;
        })).ToArray();
        start.Set();
        var counts = await Task.WhenAll(threads);

        Assert.Equal(3, counts.Sum());
        Assert.Equal(3, f.Runs);
        Assert.Equal(3, f.Store.OfType(AuditEventTypes.DecisionAllowed).Count());
        Assert.Equal(16 * 25 - 3, f.Store.OfType(AuditEventTypes.DecisionRefused).Count());
    }

    [Fact]
    public void The_ledger_holds_under_contention_across_moving_time()
    {
        var ledger = new LimitLedger();
        var limits = TestPolicy.Limits(default, perMinute: 5, perHour: 40);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var times = new System.Collections.Concurrent.ConcurrentBag<DateTimeOffset>();
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, thread =>
        {
            for (var second = 0; second < 600; second += 7)
            {
                var now = t0.AddSeconds(second + (thread % 7));
                if (ledger.TryAcquire("p", "s@1", limits, now) == LimitKind.None) times.Add(now);
            }
        });
        var sorted = times.Order().ToArray();
        // Whatever the interleaving, no sliding minute holds more than 5 and no hour more than 40.
        foreach (var t in sorted)
        {
            Assert.True(sorted.Count(x => x > t - TimeSpan.FromMinutes(1) && x <= t) <= 5);
        }
        Assert.InRange(sorted.Length, 5, 40);
    }
}
