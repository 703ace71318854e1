using System.Globalization;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Stores;

/// <summary>
/// Events appended in the same millisecond share one <c>occurredAt</c> array (<see cref="ChainAppender"/>); each event's
/// time must still be the text of its own instant, at millisecond precision.
/// </summary>
public sealed class ChainAppenderTimeTests
{
    [Fact]
    public async Task Events_in_one_millisecond_share_its_time_and_the_next_millisecond_gets_its_own()
    {
        var start = new DateTimeOffset(2026, 11, 30, 9, 30, 0, TimeSpan.Zero).AddTicks(1234);
        var clock = new FakeTimeProvider(start);
        await using var store = new InMemoryAuditStore(timeProvider: clock);
        var steps = new[] { 0L, 1, 5_000, 8_765, 9_999, 10_000, 10_001, 19_999, 20_000, 10_000_000, 10_000_000, 10_009_999 };
        var times = new List<DateTimeOffset>();
        foreach (var ticks in steps)
        {
            clock.SetUtcNow(start.AddTicks(ticks));
            times.Add(clock.GetUtcNow());
            await store.AppendAsync(Entry("me", "test.appended"));
        }

        var read = new List<AuditEvent>();
        await foreach (var e in store.ReadAsync(2)) read.Add(e);
        Assert.Equal(times.Select(t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)), read.Select(e => e.OccurredAt));
        Assert.Equal(5, read.Select(e => e.OccurredAt).Distinct().Count()); // milliseconds 0, 1, 2, 1000 and 1001
    }

    private static AuditEntry Entry(string actor, string type) =>
        new() { Actor = new AuditActor("user", actor), EventType = type, Payload = new JsonObject { ["n"] = 1 } };
}
