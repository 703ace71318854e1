using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using static MakerChecker.Tests.Properties.GateScenario;

namespace MakerChecker.Tests.Properties;

/// <summary>
/// The invariants of the issue, each over 1,000 generated scenarios (random policy, principals and operations). The
/// checks re-state the rules independently of the gate's code (an oracle), and judge what actually ran and who
/// actually signed, with each principal's status at that moment.
/// </summary>
public class GateProperties
{
    private const int Cases = 1000;

    [Property(MaxTest = Cases)]
    public Property No_gated_action_runs_without_enough_distinct_eligible_active_approvers() =>
        Prop.ForAll(GateScenario.Arbitrary, s => No_gated_action_runs_without_enough_distinct_eligible_active_approvers_holds(s, s.Run()));

    [Property(MaxTest = Cases)]
    public Property A_forbidden_skill_is_never_allowed_and_a_grant_never_authorises_another_version() =>
        Prop.ForAll(GateScenario.Arbitrary, s => A_forbidden_skill_is_never_allowed_and_a_grant_never_authorises_another_version_holds(s, s.Run()));

    [Property(MaxTest = Cases)]
    public Property An_approval_never_authorises_another_payload_a_second_run_or_a_run_after_expiry() =>
        Prop.ForAll(GateScenario.Arbitrary, s => An_approval_never_authorises_another_payload_a_second_run_or_a_run_after_expiry_holds(s, s.Run()));

    [Property(MaxTest = Cases)]
    public Property Agents_never_sign_unless_allowed_and_inactive_principals_never_act_or_sign() =>
        Prop.ForAll(GateScenario.Arbitrary, s => Agents_never_sign_unless_allowed_and_inactive_principals_never_act_or_sign_holds(s, s.Run()));

    [Property(MaxTest = Cases)]
    public Property Every_state_change_has_exactly_one_event_and_replay_rebuilds_the_same_requests() =>
        Prop.ForAll(GateScenario.Arbitrary, s => Every_state_change_has_exactly_one_event_and_replay_rebuilds_the_same_requests_holds(s, s.Run()));

    [Property(MaxTest = Cases)]
    public Property Rate_limits_are_never_exceeded() =>
        Prop.ForAll(GateScenario.Arbitrary, s => Rate_limits_are_never_exceeded_holds(s, s.Run()));

    /// <summary>
    /// Two or three gates over one shared store (app instances over one database), each operation sent to a random one:
    /// every invariant above holds, and each operation gets exactly the result one gate alone would have given it.
    /// </summary>
    [Property(MaxTest = Cases)]
    public Property Gates_sharing_one_log_behave_as_one_gate() =>
        Prop.ForAll(GateScenario.Arbitrary, s =>
        {
            var t = s.Run(instances: 2 + (s.Seed % 2));
            var (sameResults, invariants) = AsOneGate(s, t);
            return (sameResults && invariants).Label($"same results as one gate: {sameResults}")
                .And(Every_state_change_has_exactly_one_event_and_replay_rebuilds_the_same_requests_holds(s, t));
        });

    /// <summary>
    /// Whether every operation of trace <paramref name="t"/> got the result one gate alone gives it (and the same actions ran),
    /// and whether every invariant above holds on <paramref name="t"/>.
    /// </summary>
    internal static (bool SameResults, bool Invariants) AsOneGate(GateScenario s, Trace t)
    {
        var alone = s.Run();
        var sameResults = t.Results.Select(r => (r.Op, r.Result.ReasonCode)).SequenceEqual(alone.Results.Select(r => (r.Op, r.Result.ReasonCode)))
            && t.Runs.Select(r => (r.Kind, r.PrincipalId, r.Skill, r.Payload)).SequenceEqual(alone.Runs.Select(r => (r.Kind, r.PrincipalId, r.Skill, r.Payload)));
        var invariants = No_gated_action_runs_without_enough_distinct_eligible_active_approvers_holds(s, t)
            && A_forbidden_skill_is_never_allowed_and_a_grant_never_authorises_another_version_holds(s, t)
            && An_approval_never_authorises_another_payload_a_second_run_or_a_run_after_expiry_holds(s, t)
            && Agents_never_sign_unless_allowed_and_inactive_principals_never_act_or_sign_holds(s, t)
            && Rate_limits_are_never_exceeded_holds(s, t);
        return (sameResults, invariants);
    }

    /// <summary>
    /// The generator must exercise the paths the properties are about: sign-offs, executions and refusals happen.
    /// Without this, a generator change could make every property above pass vacuously.
    /// </summary>
    [Fact]
    public void The_scenarios_reach_approvals_executions_and_refusals()
    {
        var traces = Enumerable.Range(0, 300).Select(seed => GateScenario.FromSeed(seed).Run()).ToList();
        Assert.True(traces.Sum(t => t.Runs.Count(r => r.Kind == "execute")) >= 10, "executions of approved requests");
        Assert.True(traces.Sum(t => t.SignOffs.Count) >= 50, "accepted sign-offs");
        Assert.True(traces.Sum(t => t.Runs.Count(r => r.Kind == "break_glass")) >= 3, "break-glass runs");
        foreach (var code in new[] { ReasonCodes.SkillForbidden, ReasonCodes.SkillNotGranted, ReasonCodes.PrincipalInactive, ReasonCodes.NotApproved, ReasonCodes.AlreadySigned, ReasonCodes.LimitExceeded, ReasonCodes.RequestExpired })
        {
            Assert.Contains(traces.SelectMany(t => t.Results), r => r.Result.ReasonCode == code);
        }
    }

    internal static bool No_gated_action_runs_without_enough_distinct_eligible_active_approvers_holds(GateScenario s, Trace t)
    {
        foreach (var run in t.Runs.Where(r => r.Kind == "execute"))
        {
            var requester = run.Principals[run.PrincipalId];
            var gate = GateOf(s.Policy, requester, run.Skill)!;
            var approvers = t.SignOffs
                .Where(x => x.RequestId == run.RequestId && x.Approve && x.At <= run.At)
                .Select(x => x.ReviewerId)
                .Distinct()
                .Where(id => MaySign(gate, run.Principals.GetValueOrDefault(id), requester))
                .ToList();
            if (approvers.Count < gate.Approvers) return false;
            if (gate.ForbidRequester && approvers.Contains(requester.Id)) return false;
        }
        return true;
    }

    internal static bool A_forbidden_skill_is_never_allowed_and_a_grant_never_authorises_another_version_holds(GateScenario s, Trace t)
    {
        bool Authorised(string who, string skill, IReadOnlyDictionary<string, PrincipalDefinition>? principals = null)
        {
            var p = (principals ?? s.Policy.Principals)[who];
            var role = s.Policy.Roles[p.Role];
            var name = skill[..skill.IndexOf('@', StringComparison.Ordinal)];
            return !role.Forbidden.ContainsKey(name) && role.Grants.ContainsKey(skill);
        }
        // What ran, and every decision that let something run or opened a request.
        return t.Runs.All(r => Authorised(r.PrincipalId, r.Skill, r.Principals))
            && Authorisations(t).All(a => Authorised(a.Who, a.Skill));
    }

    /// <summary>Every decision that let something run or opened a request: who, which skill, when.</summary>
    private static IEnumerable<(string Who, string Skill, DateTimeOffset At)> Authorisations(Trace t) =>
        t.Events(AuditEventTypes.DecisionAllowed).Select(AuditEventReader.Read<DecisionAllowed>).Select(d => (d.PrincipalId, d.Skill, d.DecidedAt))
            .Concat(t.Events(AuditEventTypes.ApprovalRequested).Select(AuditEventReader.Read<ApprovalRequested>).Select(r => (r.PrincipalId, r.Skill, r.RequestedAt)))
            .Concat(t.Events(AuditEventTypes.BreakGlassInvoked).Select(AuditEventReader.Read<BreakGlassInvoked>).Select(b => (b.PrincipalId, b.Skill, b.DecidedAt)));

    internal static bool An_approval_never_authorises_another_payload_a_second_run_or_a_run_after_expiry_holds(GateScenario s, Trace t)
    {
        var executions = t.Runs.Where(r => r.Kind == "execute").ToList();
        return executions.GroupBy(r => r.RequestId).All(g => g.Count() == 1)
            && executions.All(r =>
            {
                var opened = t.Requests.Single(q => q.Id == r.RequestId);
                return r.Payload == opened.Payload && r.At < opened.ExpiresAt && r.PrincipalId == opened.Requester;
            });
    }

    internal static bool Agents_never_sign_unless_allowed_and_inactive_principals_never_act_or_sign_holds(GateScenario s, Trace t)
    {
        var signOk = t.SignOffs.All(x =>
        {
            var reviewer = x.Principals[x.ReviewerId];
            var opened = t.Requests.Single(q => q.Id == x.RequestId);
            var gate = GateOf(s.Policy, x.Principals[opened.Requester], opened.Skill);
            return reviewer.Status == PrincipalStatus.Active && (reviewer.Kind != PrincipalKind.Agent || gate!.AllowAgentApprovers);
        });
        return signOk && t.Runs.All(r => r.Principals[r.PrincipalId].Status == PrincipalStatus.Active);
    }

    internal static Property Every_state_change_has_exactly_one_event_and_replay_rebuilds_the_same_requests_holds(GateScenario s, Trace t)
    {
        int Count(string type) => t.Events(type).Count();
        int Succeeded(string code) => t.Results.Count(r => r.Result.ReasonCode == code);
        // Refused presentations change nothing and are not recorded; every other refusal is (requests always exist here).
        var oneEach =
            Count(AuditEventTypes.ApprovalRequested) == t.Requests.Count
            && Count(AuditEventTypes.ApprovalPresented) == Succeeded(ReasonCodes.Presented)
            && Count(AuditEventTypes.ApprovalDecided) == t.SignOffs.Count
            && Count(AuditEventTypes.ActionStarted) == Succeeded(ReasonCodes.Executed)
            && Count(AuditEventTypes.DecisionAllowed) == t.Runs.Count(r => r.Kind == "invoke")
            && Count(AuditEventTypes.BreakGlassInvoked) == t.Runs.Count(r => r.Kind == "break_glass")
            && Count(AuditEventTypes.ActionExecuted) == t.Runs.Count
            && Count(AuditEventTypes.DecisionRefused) + Count(AuditEventTypes.SignOffRefused) == t.Results.Count(r => r.Result.IsRefused && r.Op != OpKind.Present);

        var ids = t.Requests.Select(r => r.Id).ToList();
        // With several gates the first may not have seen the others' last changes: what it shows after catching up must equal a replay.
        var gate = t.Gates[0];
        gate.RefreshAsync().AsTask().GetAwaiter().GetResult();
        var before = Trace.Describe(gate, ids);
        var replayed = new ApprovalGate(s.Policy, t.Store, t.Time);
        replayed.InitializeAsync().AsTask().GetAwaiter().GetResult();
        var after = Trace.Describe(replayed, ids);
        return (oneEach && before == after).Label($"one event each: {oneEach}; replay equal: {before == after}");
    }

    internal static bool Rate_limits_are_never_exceeded_holds(GateScenario s, Trace t)
    {
        var counted = Authorisations(t);
        foreach (var group in counted.GroupBy(c => (c.Who, c.Skill)))
        {
            var grant = s.Policy.Roles[s.Policy.Principals[group.Key.Who].Role].Grants[group.Key.Skill];
            if (grant.Limits?.PerMinute is not { } ceiling) continue;
            var times = group.Select(g => g.At).ToList();
            if (times.Any(end => times.Count(x => x > end - TimeSpan.FromMinutes(1) && x <= end) > ceiling)) return false;
        }
        return true;
    }

    private static GateDefinition? GateOf(CompiledPolicy policy, PrincipalDefinition requester, string skill) =>
        policy.Roles.TryGetValue(requester.Role, out var role) && role.Grants.TryGetValue(skill, out var grant) ? grant.Gate : null;

    /// <summary>The sign-off eligibility rules, restated: active, human unless agents may sign, an approver role, not the requester or its owner relation.</summary>
    private static bool MaySign(GateDefinition gate, PrincipalDefinition? reviewer, PrincipalDefinition requester) =>
        reviewer is not null
        && reviewer.Status == PrincipalStatus.Active
        && (reviewer.Kind != PrincipalKind.Agent || gate.AllowAgentApprovers)
        && gate.ApproverRoles.Contains(reviewer.Role)
        && !(gate.ForbidRequester && (reviewer.Id == requester.Id || reviewer.Id == requester.Owner || reviewer.Owner == requester.Id));
}
