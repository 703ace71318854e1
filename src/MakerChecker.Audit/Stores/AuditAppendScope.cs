namespace MakerChecker.Audit.Stores;

/// <summary>
/// What a conditional append actually depends on, so that a store may write it after events it does not depend on. The
/// events appended since the seq the caller expected conflict with it when one has a type in <see cref="EventTypes"/>
/// (whoever wrote it), or when more of them than an actor's budget in <see cref="ActorBudgets"/> were written by that
/// actor with a type in <see cref="ActorEventTypes"/>. Without a conflict in between, the store writes the append after
/// those events instead of refusing it (see <see cref="IAuditStore.TryAppendBatchAsync"/>).
/// </summary>
/// <remarks>
/// A gate's pipelined invocations depend only on the policy in force, the run-time principals and their limit counters:
/// their scope is <c>policy.activated</c> and <c>principal.registered</c> from anyone, and, per principal they counted an
/// invocation for, no more counted invocations by that principal than the headroom left under its tightest limit. A
/// store that cannot check a scope treats every event in between as a conflict, which is always correct (plain
/// compare-and-append).
/// </remarks>
public sealed class AuditAppendScope
{
    /// <summary>Creates a scope.</summary>
    /// <param name="eventTypes">Event types that conflict whoever wrote them.</param>
    /// <param name="actorBudgets">Per actor id, how many of its events of <paramref name="actorEventTypes"/> may come in between (0 for none).</param>
    /// <param name="actorEventTypes">The event types counted against an actor's budget.</param>
    public AuditAppendScope(IEnumerable<string> eventTypes, IReadOnlyDictionary<string, int> actorBudgets, IEnumerable<string> actorEventTypes)
    {
        ArgumentNullException.ThrowIfNull(eventTypes);
        ArgumentNullException.ThrowIfNull(actorBudgets);
        ArgumentNullException.ThrowIfNull(actorEventTypes);
        EventTypes = eventTypes.ToHashSet(StringComparer.Ordinal);
        ActorBudgets = actorBudgets.ToDictionary(StringComparer.Ordinal);
        ActorEventTypes = actorEventTypes.ToHashSet(StringComparer.Ordinal);
    }

    private AuditAppendScope(IReadOnlySet<string> eventTypes, IReadOnlyDictionary<string, int> actorBudgets, IReadOnlySet<string> actorEventTypes)
    {
        EventTypes = eventTypes;
        ActorBudgets = actorBudgets;
        ActorEventTypes = actorEventTypes;
    }

    /// <summary>
    /// A scope over sets (ordinal) and budgets that nobody changes afterwards, kept as they are: the public constructor copies
    /// them, which a gate making a scope for every counted decision from the same two type sets does not need.
    /// </summary>
    internal static AuditAppendScope Over(
        IReadOnlySet<string> eventTypes, IReadOnlyDictionary<string, int> actorBudgets, IReadOnlySet<string> actorEventTypes) =>
        new(eventTypes, actorBudgets, actorEventTypes);

    /// <summary>Event types that conflict whoever wrote them.</summary>
    public IReadOnlySet<string> EventTypes { get; }

    /// <summary>Per actor id, how many of its events of <see cref="ActorEventTypes"/> may come in between.</summary>
    public IReadOnlyDictionary<string, int> ActorBudgets { get; }

    /// <summary>The event types counted against an actor's budget.</summary>
    public IReadOnlySet<string> ActorEventTypes { get; }

    /// <summary>Whether an event (its actor id and type) counts at all: it has one of <see cref="EventTypes"/>, or is counted against a budget.</summary>
    /// <param name="actorId">The event's actor id.</param>
    /// <param name="eventType">The event's type.</param>
    /// <returns><see langword="true"/> when <see cref="ConflictsWith"/> must see it.</returns>
    public bool Matters(string actorId, string eventType) =>
        EventTypes.Contains(eventType) || (ActorBudgets.ContainsKey(actorId) && ActorEventTypes.Contains(eventType));

    /// <summary>Whether the events appended in between (their actor ids and types) conflict with the append.</summary>
    /// <param name="between">Every event appended since the expected seq (those that do not matter may be left out).</param>
    /// <returns><see langword="true"/> when the append must not be written after them.</returns>
    public bool ConflictsWith(IEnumerable<(string ActorId, string EventType)> between)
    {
        ArgumentNullException.ThrowIfNull(between);
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (actorId, eventType) in between)
        {
            if (EventTypes.Contains(eventType)) return true;
            if (!ActorEventTypes.Contains(eventType) || !ActorBudgets.TryGetValue(actorId, out var budget)) continue;
            var count = used[actorId] = used.GetValueOrDefault(actorId) + 1;
            if (count > budget) return true;
        }

        return false;
    }
}
