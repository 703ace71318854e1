using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using static MakerChecker.Tests.PolicyChanges.GovernedPolicies;

namespace MakerChecker.Tests.PolicyChanges;

/// <summary>
/// Over generated sequences of proposals, presentations, sign-offs, activations (direct, approved, break-glass), clock
/// moves and restarts with any policy: no policy is put in force while a governing policy is in force, except through a
/// request bound to it that N distinct eligible humans other than its proposer approved after the review floor, or under
/// break-glass by a role the governing policy names. The oracle reads the rules from the log (the canonical policies
/// <c>policy.activated</c> records) and the principals from the fixture, not from the gate's code.
/// </summary>
public class PolicyChangeProperties
{
    private static readonly CompiledPolicy[] Policies = [Current(), Loosened(), OneApprover(), Ungoverned()];

    private static readonly string[] Actors = ["ops.lead", "ops.two", "dr.x", "dr.y", "dr.z", "director-bot", "oncall.1", "dr.a"];

    private static readonly Dictionary<string, (string Role, bool Human, string? Owner)> People = new()
    {
        ["bot"] = ("drafter", false, "ops.lead"), ["ops.lead"] = ("ops", true, null), ["ops.two"] = ("ops", true, null),
        ["dr.x"] = ("director", true, null), ["dr.y"] = ("director", true, null), ["dr.z"] = ("director", true, null),
        ["director-bot"] = ("director", false, "dr.z"), ["oncall.1"] = ("oncall", true, null), ["dr.a"] = ("reviewer", true, null),
    };

    private static readonly int[] Minutes = [0, 0, 0, 1, 1, 5, 5, 11, 11, 11, 11, 11, 30, 30, 30, 30, 60, 60, 60, 120, 120, 1500];

    /// <summary>One step: what, by whom (index), on which request (index), with which policy (index), and a clock move in minutes.</summary>
    public sealed record Step(int Kind, int Actor, int Request, int Policy, int Minutes);

    private static readonly Arbitrary<Step[]> Steps = Arb.From(Gen.ArrayOf(
        from kind in Gen.Choose(0, 9)
        from actor in Gen.Choose(0, Actors.Length - 1)
        from request in Gen.Choose(0, 3)
        from policy in Gen.Choose(0, Policies.Length - 1)
        from minutes in Gen.Elements(Minutes)
        select new Step(kind, actor, request, policy, minutes)));

    /// <summary>A sequence with the generator's distribution, from a seeded source (for the coverage check).</summary>
    private static Step[] Sample(System.Random random) =>
        [.. Enumerable.Range(0, random.Next(0, 60)).Select(_ => new Step(random.Next(0, 10), random.Next(0, Actors.Length), random.Next(0, 4),
            random.Next(0, Policies.Length), Minutes[random.Next(0, Minutes.Length)]))];

    [Property(MaxTest = 300)]
    public Property No_policy_is_activated_without_N_distinct_eligible_approvers_or_break_glass_when_required() =>
        Prop.ForAll(Steps, steps => Holds(Run(steps)));

    /// <summary>The generator reaches every path the property is about: approved activations, break-glass, and refused bypasses.</summary>
    [Fact]
    public void The_sequences_reach_approved_activations_break_glass_and_refused_bypasses()
    {
        var logs = Enumerable.Range(0, 200).Select(seed => Run(Sample(new System.Random(seed)))).ToList();
        var activations = logs.SelectMany(l => l.Where(e => e.EventType == AuditEventTypes.PolicyActivated).Skip(1)).Select(AuditEventReader.Read<PolicyActivated>)
            .ToList();
        Assert.Contains(activations, a => a.RequestId is not null);
        Assert.Contains(activations, a => a.Justification is not null);
        var refusals = logs.SelectMany(l => l.Where(e => e.EventType == AuditEventTypes.DecisionRefused)).Select(AuditEventReader.Read<DecisionRefused>)
            .Select(r => r.ReasonCode).ToHashSet();
        Assert.Contains(ReasonCodes.PolicyChangeRequiresApproval, refusals);
        Assert.Contains(ReasonCodes.NotApproved, refusals);
        Assert.True(logs.All(Holds));
    }

    private static List<AuditEvent> Run(Step[] steps)
    {
        var clock = Clock();
        var store = new InMemoryAuditStore(timeProvider: clock);
        var gate = Sync(ApprovalGate.CreateAsync(Current(), store, clock));
        var requests = new List<string>();
        try
        {
            foreach (var s in steps)
            {
                // Biased towards the paths that matter: reviewers are mostly directors, the latest requests are the ones worked on,
                // and an activation mostly offers the policy its request proposed.
                var actor = s.Kind is >= 1 and <= 4 && s.Actor < 5 ? Actors[2 + (s.Actor % 3)] : Actors[s.Actor];
                var policy = Policies[s.Policy];
                var request = requests.Count == 0 ? "none" : requests[Math.Max(0, requests.Count - 1 - (s.Request % 2))];
                if (s.Kind != 3) clock.Advance(TimeSpan.FromMinutes(s.Minutes));
                switch (s.Kind)
                {
                    case 0:
                        if (Sync(gate.ProposePolicyAsync(actor, policy, "change")).Request is { } opened) requests.Add(opened.Id);
                        break;
                    case 1:
                    case 2:
                        Sync(gate.PresentAsync(request, actor));
                        break;
                    case 3:
                        // A review: the change is shown, the reviewer takes this step's minutes with it, then signs.
                        Sync(gate.PresentAsync(request, actor));
                        clock.Advance(TimeSpan.FromMinutes(s.Minutes));
                        Sync(gate.ApproveAsync(request, actor, "read it"));
                        break;
                    case 4:
                        Sync(gate.ApproveAsync(request, actor, "read it"));
                        break;
                    case 5:
                    case 6:
                        var pending = Sync(gate.RefreshAndGet(request));
                        var proposed = Policies.FirstOrDefault(p => "sha256:" + p.Hash == pending?.PayloadDigest) ?? policy;
                        Sync(gate.ActivateApprovedPolicyAsync(request, s.Minutes == 0 ? actor : pending?.RequesterId ?? actor, s.Actor == 0 ? policy : proposed));
                        break;
                    case 7:
                        Sync(gate.ActivatePolicyAsync(policy));
                        break;
                    case 8:
                        Sync(gate.BreakGlassPolicyAsync(actor, policy, s.Minutes == 1 ? "" : "outage"));
                        break;
                    default:
                        // A restart with any policy: refused when it would bypass a governing policy.
                        Sync(gate.DisposeAsync());
                        try
                        {
                            gate = Sync(ApprovalGate.CreateAsync(policy, store, clock));
                        }
                        catch (PolicyChangeNotApprovedException)
                        {
                            gate = Sync(ApprovalGate.CreateAsync(InForce(store), store, clock));
                        }
                        break;
                }
            }
        }
        finally
        {
            Sync(gate.DisposeAsync());
        }
        return Sync(store.ReadAsync().ToListAsync());
    }

    /// <summary>The compiled policy whose hash the log's last activation names.</summary>
    private static CompiledPolicy InForce(InMemoryAuditStore store)
    {
        var last = Sync(store.ReadAsync().Where(e => e.EventType == AuditEventTypes.PolicyActivated).LastAsync());
        return Policies.Single(p => p.Hash == AuditEventReader.Read<PolicyActivated>(last).PolicyHash);
    }

    /// <summary>The oracle.</summary>
    private static bool Holds(List<AuditEvent> log)
    {
        JsonElement? governing = null;
        var opened = new Dictionary<string, ApprovalRequested>();
        var presented = new Dictionary<(string, string), DateTimeOffset>();
        var approvals = new Dictionary<string, List<(string Reviewer, DateTimeOffset PresentedAt, DateTimeOffset At, long MinReviewMs)>>();
        var first = true;
        foreach (var e in log)
        {
            switch (e.EventType)
            {
                case AuditEventTypes.ApprovalRequested:
                    var r = AuditEventReader.Read<ApprovalRequested>(e);
                    opened[r.RequestId] = r;
                    break;
                case AuditEventTypes.ApprovalPresented:
                    var p = AuditEventReader.Read<ApprovalPresented>(e);
                    presented.TryAdd((p.RequestId, p.ReviewerId), p.PresentedAt);
                    break;
                case AuditEventTypes.ApprovalDecided:
                    var d = AuditEventReader.Read<ApprovalDecided>(e);
                    if (d.Verdict != SignOffVerdict.Approve || governing?.TryGetProperty("changes", out var c) != true) break;
                    if (!approvals.TryGetValue(d.RequestId, out var list)) approvals[d.RequestId] = list = [];
                    list.Add((d.ReviewerId, presented.GetValueOrDefault((d.RequestId, d.ReviewerId), DateTimeOffset.MaxValue), d.DecidedAt,
                        c.GetProperty("minReviewMs").GetInt64()));
                    break;
                case AuditEventTypes.PolicyActivated:
                    var a = AuditEventReader.Read<PolicyActivated>(e);
                    if (!first && governing is { } g && g.TryGetProperty("changes", out var changes) && !Authorised(a, changes, opened, approvals)) return false;
                    first = false;
                    governing = a.Policy;
                    break;
            }
        }
        return true;
    }

    private static bool Authorised(
        PolicyActivated a, JsonElement changes, Dictionary<string, ApprovalRequested> opened,
        Dictionary<string, List<(string Reviewer, DateTimeOffset PresentedAt, DateTimeOffset At, long MinReviewMs)>> approvals)
    {
        static HashSet<string> Roles(JsonElement changes, string key) => changes.GetProperty(key).EnumerateArray().Select(x => x.GetString()!).ToHashSet();
        if (a.Justification is not null)
        {
            return !string.IsNullOrWhiteSpace(a.Justification) && a.ActivatedBy is { } by && Roles(changes, "breakGlassRoles").Contains(People[by].Role);
        }
        if (a.RequestId is null || !opened.TryGetValue(a.RequestId, out var request)) return false;
        if (request.Skill != PolicyChangeControl.Skill || request.PayloadDigest != "sha256:" + a.PolicyHash || a.ActivatedBy != request.PrincipalId) return false;
        var approverRoles = Roles(changes, "approverRoles");
        var proposer = request.PrincipalId;
        var eligible = approvals.GetValueOrDefault(a.RequestId, [])
            .Where(x => People[x.Reviewer] is var who && who.Human && approverRoles.Contains(who.Role) && x.Reviewer != proposer
                && who.Owner != proposer && People[proposer].Owner != x.Reviewer
                && x.PresentedAt <= x.At && (x.At - x.PresentedAt).TotalMilliseconds >= x.MinReviewMs)
            .Select(x => x.Reviewer).Distinct().Count();
        return eligible >= changes.GetProperty("approvers").GetInt32();
    }

    private static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    private static void Sync(ValueTask task) => task.AsTask().GetAwaiter().GetResult();
}

/// <summary>Reads a request after catching up, for the generator's choice of who activates it.</summary>
internal static class GateReads
{
    public static async ValueTask<ApprovalRequest?> RefreshAndGet(this ApprovalGate gate, string id)
    {
        await gate.RefreshAsync();
        return gate.GetRequest(id);
    }
}
