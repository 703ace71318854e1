using System.Collections.Frozen;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;

namespace MakerChecker.Gates;

/// <summary>
/// What a pipelined batch depends on (its <see cref="AuditAppendScope"/>: the policy, the run-time principals and, for the
/// principals it counted invocations for, a budget of other writers' counted invocations), and how much of each budget
/// other writers' events use up. See docs/gates.md, "The scope: other processes' events that do not matter".
/// </summary>
public sealed partial class ApprovalGate
{
    /// <summary>
    /// Takes other writers' events, applied after <paramref name="staged"/> was decided, out of its budgets (as the store
    /// would, had they come after the batch's expected seq). False when one conflicts with it: it must be decided again.
    /// </summary>
    private static bool Absorb(List<Staged> staged, List<AuditEvent> between)
    {
        if (staged.Count == 0) return true;
        var scope = ScopeOf(staged);
        if (scope.ConflictsWith(between.Select(e => (e.Actor.Id, e.EventType)))) return false;
        foreach (var s in staged)
        {
            if (s is not { Slot: { } slot, Headroom: { } headroom }) continue;
            s.Headroom = headroom - between.Count(e => e.Actor.Id == slot.PrincipalId && scope.ActorEventTypes.Contains(e.EventType));
        }

        return true;
    }

    /// <summary>
    /// What a batch depends on: the policy in force and the run-time principals (so <c>policy.activated</c> and
    /// <c>principal.registered</c> by anyone conflict), and the limit counters of the principals of its counted invocations
    /// (so an invocation counted for one of them, by anyone, conflicts). Refusals and uncounted decisions read no counter
    /// that another writer's event could lower, and outcomes depend on nothing.
    /// </summary>
    private static AuditAppendScope ScopeOf(List<Staged> batch)
    {
        var budgets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in batch)
        {
            if (s is { Slot: { } slot, Headroom: { } headroom })
            {
                budgets[slot.PrincipalId] = Math.Min(headroom, budgets.GetValueOrDefault(slot.PrincipalId, int.MaxValue));
            }
        }

        return budgets.Count == 0 ? UncountedScope : Scope(budgets);
    }

    /// <summary>The scope of a batch of one (see <see cref="ScopeOf(List{Staged})"/>).</summary>
    private static AuditAppendScope ScopeOf(CountedSlot? slot, int? headroom) => slot is { } counted && headroom is { } left
        ? Scope(new Dictionary<string, int>(1, StringComparer.Ordinal) { [counted.PrincipalId] = left })
        : UncountedScope;

    // Made once: a scope keeps them as they are (budgets are made per batch and not changed after).
    private static readonly FrozenSet<string> ScopeEventTypes =
        FrozenSet.ToFrozenSet([AuditEventTypes.PolicyActivated, AuditEventTypes.PrincipalRegistered], StringComparer.Ordinal);

    private static readonly FrozenSet<string> ScopeActorEventTypes = FrozenSet.ToFrozenSet(
        [AuditEventTypes.DecisionAllowed, AuditEventTypes.ApprovalRequested, AuditEventTypes.BreakGlassInvoked], StringComparer.Ordinal);

    /// <summary>The scope of a batch that counted no invocation: the policy and the run-time principals only.</summary>
    private static readonly AuditAppendScope UncountedScope = Scope(new Dictionary<string, int>(StringComparer.Ordinal));

    private static AuditAppendScope Scope(Dictionary<string, int> budgets) => AuditAppendScope.Over(ScopeEventTypes, budgets, ScopeActorEventTypes);

    /// <summary>
    /// How many more invocations the slot's principal may make of its skill after the one just counted, in the tightest
    /// of the grant's windows at the time it was counted: that many invocations counted for the principal (of any skill, to
    /// keep the check simple) may come in between without the limit being exceeded. 0 when the grant cannot be found.
    /// </summary>
    private int Headroom(CountedSlot slot)
    {
        if (ResolvePrincipal(slot.PrincipalId) is not { } principal || !_policy.TryGetRole(principal.Role, out var role)
            || !role.TryGetGrant(slot.Skill, out var grant) || grant.Limits is not { } limits)
        {
            return 0;
        }

        var headroom = Math.Min(Left(limits.PerMinute, TimeSpan.FromMinutes(1)), Math.Min(Left(limits.PerHour, TimeSpan.FromHours(1)),
            Left(limits.PerDay, TimeSpan.FromDays(1))));
        return Math.Max(0, headroom);

        int Left(int? ceiling, TimeSpan window) =>
            ceiling is { } max ? max - _state.Limits.Count(slot.PrincipalId, slot.Skill, window, slot.At) : int.MaxValue;
    }
}
