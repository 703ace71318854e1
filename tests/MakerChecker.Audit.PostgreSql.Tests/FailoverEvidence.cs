using System.Globalization;
using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// What the failover test checks after the run, from the promoted database's log and the processes' fsync'd
/// acknowledgement files (lines <c>ack TYPE RUN</c>, <c>ran RUN</c>, <c>error TYPE: MESSAGE</c>, <c>settled</c>).
/// </summary>
internal sealed class FailoverEvidence
{
    private static readonly string[] Endings = ["action.executed", "action.failed", "action.outcome_resolved"];

    private readonly List<AuditEvent> _log;
    private readonly Dictionary<string, string[]> _acks;

    public FailoverEvidence(List<AuditEvent> log, Dictionary<string, string[]> acks)
    {
        _log = log;
        _acks = acks;
    }

    public IEnumerable<string> Lines => _acks.Values.SelectMany(l => l);

    public int Acknowledged => Lines.Count(l => l.StartsWith("ack ", StringComparison.Ordinal));

    /// <summary>Every acknowledged event (type, run) is in the log.</summary>
    public void EveryAcknowledgedEventIsInTheLog()
    {
        var held = _log.Where(e => e.RunId is not null).Select(e => (e.EventType, e.RunId!)).ToHashSet();
        var missing = Lines.Where(l => l.StartsWith("ack ", StringComparison.Ordinal)).Select(l => l.Split(' '))
            .Where(f => !held.Contains((f[1], f[2]))).Select(f => $"{f[1]} in {f[2]}").ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged events are not in the promoted database: {string.Join(", ", missing.Take(10))}");
    }

    /// <summary>A caller only ever saw the store's own exception (AuditStoreException and its subtypes), never a driver's.</summary>
    public void EveryFailureWasAnAuditStoreException()
    {
        var others = Lines.Where(l => l.StartsWith("error ", StringComparison.Ordinal))
            .Where(l => !l.StartsWith("error AuditStoreException:", StringComparison.Ordinal)
                && !l.StartsWith("error ActionOutcomeNotRecordedException:", StringComparison.Ordinal)).ToList();
        Assert.True(others.Count == 0, $"callers saw other exceptions: {string.Join(" | ", others.Distinct().Take(5))}");
    }

    /// <summary>
    /// Each action ran at most once across all processes, and exactly the actions that ran have their one
    /// <c>action.executed</c> in the log (an action that ran with its outcome unrecorded was recorded late, on recovery).
    /// </summary>
    public void NoActionRanTwiceAndEachRunIsRecordedOnce()
    {
        var ran = Lines.Where(l => l.StartsWith("ran ", StringComparison.Ordinal)).Select(l => l[4..]).ToList();
        var twice = ran.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"actions ran more than once: {string.Join(", ", twice)}");
        var executed = _log.Where(e => e.EventType == "action.executed").Select(e => e.RunId!).ToList();
        Assert.True(executed.Count == executed.Distinct().Count(), "a run has two action.executed events");
        Assert.Equal(ran.Order(StringComparer.Ordinal), executed.Order(StringComparer.Ordinal));
    }

    /// <summary>Every <c>decision.allowed</c> and <c>action.started</c> has exactly one ending (executed, failed or resolved).</summary>
    public void EveryStartedActionHasExactlyOneEnding()
    {
        static (string?, string?, string?) Key(AuditEvent e) =>
            (e.EntityType, e.EntityId, e.Payload.TryGetProperty("executionId", out var x) ? x.GetString() : null);
        var endings = _log.Where(e => Endings.Contains(e.EventType)).GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        var wrong = _log.Where(e => e.EventType is "decision.allowed" or "action.started")
            .Select(e => (Start: e, Count: endings.GetValueOrDefault(Key(e)))).Where(s => s.Count != 1)
            .Select(s => $"{s.Start.EventType} seq {s.Start.Seq}: {s.Count} endings").ToList();
        Assert.True(wrong.Count == 0, string.Join(", ", wrong.Take(10)));
    }

    /// <summary>No sliding minute holds more than <paramref name="perMinute"/> counted, allowed invocations of <paramref name="skill"/>.</summary>
    public void NoLimitExceeded(string skill, int perMinute)
    {
        var times = _log.Where(e => e.EventType == "decision.allowed" && e.Payload.GetProperty("skill").GetString() == skill
                && e.Payload.GetProperty("counted").GetBoolean())
            .Select(e => DateTimeOffset.Parse(e.Payload.GetProperty("decidedAt").GetString()!, CultureInfo.InvariantCulture)).Order().ToList();
        for (var i = 0; i + perMinute < times.Count; i++)
        {
            // Recorded to the millisecond: allow that much rounding at the window's edge.
            Assert.True(times[i + perMinute] - times[i] >= TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1),
                $"{perMinute + 1} allowed invocations of {skill} between {times[i]:O} and {times[i + perMinute]:O}, within one minute");
        }
    }
}
