using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Auditing;

namespace MakerChecker.Gates;

/// <summary>
/// What the gate still owes the audit log after a failed append around an action, kept in memory until the log
/// records it. Two kinds:
/// <list type="bullet">
/// <item>an <em>outcome not recorded</em>: the action ran, <c>action.executed</c>/<c>action.failed</c> could not be
/// appended. It is appended on recovery, unless the log already holds it (the failed append became durable after all).</item>
/// <item>an <em>authorisation in doubt</em>: <c>decision.allowed</c>, <c>breakglass.invoked</c> or <c>action.started</c>
/// could not be appended, so the action did not run, but the event may be durable. If reading the log back finds it,
/// the gate records <c>action.outcome_resolved</c> (<c>not_executed</c>) so the log does not show an action that started
/// and never ended; if not, nothing is owed.</item>
/// </list>
/// Used only under the gate's decision lock.
/// </summary>
internal sealed class ActionOutcomes
{
    private readonly List<Owed> _outcomes = [];
    private readonly List<Owed> _inDoubt = [];

    /// <summary>Whether anything is owed: the gate then accepts no new work until <see cref="Settle"/> leaves nothing.</summary>
    public bool Any => _outcomes.Count > 0 || _inDoubt.Count > 0;

    public void OutcomeNotRecorded(GateEntry outcome) => _outcomes.Add(new Owed(outcome));

    /// <summary>Remembers a failed authorising append (other event types need nothing: the action never depends on them).</summary>
    public void AppendFailed(GateEntry entry)
    {
        if (IsAuthorising(entry.EventType)) _inDoubt.Add(new Owed(entry));
    }

    /// <summary>Whether the event type authorises an action to run: its append must be durable before the action runs.</summary>
    public static bool IsAuthorising(string eventType) =>
        eventType is AuditEventTypes.DecisionAllowed or AuditEventTypes.BreakGlassInvoked or AuditEventTypes.ActionStarted;

    /// <summary>Sees one event read back from the log, and notes which owed entries it shows durable.</summary>
    public void Observe(AuditEvent e)
    {
        foreach (var owed in _outcomes) owed.Found |= Same(owed.Entry.Entry, e);
        foreach (var owed in _inDoubt) owed.Found |= Same(owed.Entry.Entry, e);
    }

    /// <summary>
    /// After the log has been read to its head: drops what the log holds, turns each authorisation found durable into
    /// the resolution the gate must record, forgets those that never became durable, and returns what is left to append.
    /// </summary>
    public IReadOnlyList<GateEntry> Settle(DateTimeOffset now)
    {
        _outcomes.RemoveAll(o => o.Found);
        foreach (var doubt in _inDoubt.Where(d => d.Found)) _outcomes.Add(new Owed(NotExecuted(doubt.Entry.Entry, now)));
        _inDoubt.Clear();
        return [.. _outcomes.Select(o => o.Entry)];
    }

    public void Recorded(GateEntry entry) => _outcomes.RemoveAll(o => ReferenceEquals(o.Entry.Entry, entry.Entry));

    /// <summary>What is owed, for the refusal's message: event type and entity of each.</summary>
    public string Describe() =>
        string.Join(", ", _outcomes.Concat(_inDoubt).Select(o => $"{o.Entry.EventType} for {o.Entry.Entry.EntityType} {o.Entry.Entry.EntityId}"));

    /// <summary>Whether a stored event is the owed entry: same type and entity, and for a request the same execution.</summary>
    private static bool Same(AuditEntry entry, AuditEvent e) =>
        e.EventType == entry.EventType && e.EntityType == entry.EntityType && e.EntityId == entry.EntityId
        && Execution(entry.Payload) == (e.Payload.TryGetProperty("executionId", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString() : null);

    private static string? Execution(JsonObject payload) => payload["executionId"]?.GetValue<string>();

    /// <summary>The gate's own resolution of an authorisation it knows it never acted on.</summary>
    private static GateEntry NotExecuted(AuditEntry authorising, DateTimeOffset now)
    {
        var p = authorising.Payload;
        return AuditPayloads.OutcomeResolved(
            p["policyHash"]!.GetValue<string>(), null, authorising.EntityType!, authorising.EntityId!, Execution(p), p["principalId"]!.GetValue<string>(),
            p["skill"]!.GetValue<string>(), Auditing.Events.ActionOutcomeResolved.NotExecuted,
            $"The gate could not confirm {authorising.EventType} was recorded (the append failed), so it did not run the action; " +
            "the event reached the log all the same.",
            now).InRun(authorising.RunId);
    }

    private sealed class Owed(GateEntry entry)
    {
        public GateEntry Entry { get; } = entry;

        public bool Found { get; set; }
    }
}
