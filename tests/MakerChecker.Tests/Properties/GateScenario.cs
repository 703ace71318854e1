using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Gates.Snapshots;
using MakerChecker.Partitions;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Properties;

/// <summary>
/// A random policy, a random cast of principals and a random sequence of gate operations, built deterministically from
/// one seed that FsCheck draws (a failure reports the seed, which replays it exactly). <see cref="Run"/> plays the
/// sequence against a real <see cref="ApprovalGate"/> and records, independently of the gate, what ran and who signed,
/// with the principals' statuses at that moment: the properties judge that trace with their own reading of the rules.
/// </summary>
internal sealed class GateScenario
{
    public static readonly string[] SkillNames = ["claim.deny", "claim.pay"];
    public static readonly string[] Versions = ["1", "2"];
    public static readonly JsonObject[] Payloads = [ClaimsFixture.Claim(100m, "C-1"), ClaimsFixture.Claim(100m, "C-2"), ClaimsFixture.Claim(900m, "C-1")];

    private GateScenario(int seed)
    {
        Seed = seed;
        var rnd = new Random(seed);
        var spec = new TestPolicy { Hash = $"{seed:x64}" };
        var roleNames = Enumerable.Range(0, rnd.Next(2, 5)).Select(i => $"role-{i}").ToArray();
        foreach (var name in roleNames)
        {
            var role = spec.Role(name);
            foreach (var skill in SkillNames.SelectMany(s => Versions.Select(v => $"{s}@{v}")))
            {
                if (rnd.NextDouble() < 0.45) continue;
                TestPolicy.GateSpec? gate = rnd.NextDouble() < 0.7
                    ? new TestPolicy.GateSpec
                    {
                        Approvers = rnd.Next(1, 4),
                        ApproverRoles = [.. roleNames.Where(_ => rnd.NextDouble() < 0.6).DefaultIfEmpty(roleNames[0])],
                        ForbidRequester = rnd.NextDouble() < 0.8,
                        MinReview = TimeSpan.FromSeconds(rnd.Next(0, 3) * 15),
                        ExpiresAfter = rnd.NextDouble() < 0.5 ? TimeSpan.FromMinutes(10) : TimeSpan.FromHours(72),
                        AllowAgentApprovers = rnd.NextDouble() < 0.3,
                        RequirePresentation = rnd.NextDouble() < 0.8,
                        Sample = rnd.NextDouble() < 0.8 ? 1.0 : 0.5,
                        BreakGlassRoles = [.. roleNames.Where(_ => rnd.NextDouble() < 0.3)],
                    }
                    : null;
                var limited = rnd.NextDouble() < 0.4;
                var perMinute = rnd.Next(1, 4);
                decimal? max = rnd.NextDouble() < 0.3 ? 500m : null;
                role.Grant(skill, gate: gate, limits: limited || max is not null
                    ? at => TestPolicy.Limits(at, perMinute: limited ? perMinute : null, maxAmount: max, amountField: max is null ? null : "claim.amount")
                    : null);
            }
            foreach (var s in SkillNames) if (rnd.NextDouble() < 0.2) role.Forbid(s);
        }
        var ids = Enumerable.Range(0, rnd.Next(3, 7)).Select(i => $"p{i}").ToArray();
        var humans = new List<string>();
        foreach (var id in ids)
        {
            var kind = rnd.NextDouble() < 0.35 && humans.Count > 0 ? PrincipalKind.Agent : rnd.NextDouble() < 0.9 ? PrincipalKind.Human : PrincipalKind.Service;
            var status = rnd.NextDouble() < 0.85 ? PrincipalStatus.Active : rnd.NextDouble() < 0.5 ? PrincipalStatus.Suspended : PrincipalStatus.Retired;
            var owner = kind == PrincipalKind.Agent ? humans[rnd.Next(humans.Count)] : null;
            spec.Principal(id, kind, roleNames[rnd.Next(roleNames.Length)], status, owner);
            if (kind == PrincipalKind.Human) humans.Add(id);
        }
        Policy = spec.Build();
        PrincipalIds = ids;

        var count = rnd.Next(5, 40);
        for (var i = 0; i < count; i++)
        {
            var roll = rnd.Next(100);
            var who = ids[rnd.Next(ids.Length)];
            var skill = $"{SkillNames[rnd.Next(SkillNames.Length)]}@{Versions[rnd.Next(Versions.Length)]}";
            var payload = rnd.Next(Payloads.Length);
            var req = rnd.Next(8);
            Operations.Add(roll switch
            {
                < 22 => new Op(OpKind.Invoke, who, skill, payload, req, 0),
                < 30 => new Op(OpKind.Present, who, skill, payload, req, 0),
                < 40 => new Op(OpKind.Approve, who, skill, payload, req, 0),
                < 60 => new Op(OpKind.Review, who, skill, payload, req, rnd.Next(0, 40)),
                < 63 => new Op(OpKind.Reject, who, skill, payload, req, 0),
                < 80 => new Op(OpKind.Execute, who, skill, rnd.NextDouble() < 0.8 ? -1 : payload, req, 0),
                < 89 => new Op(OpKind.Advance, who, skill, payload, req, rnd.NextDouble() < 0.1 ? 3600 : rnd.Next(0, 40)),
                < 95 => new Op(OpKind.SetStatus, who, skill, payload, req, rnd.NextDouble() < 0.5 ? 0 : rnd.Next(1, 3)),
                _ => new Op(OpKind.BreakGlass, who, skill, payload, req, 0),
            });
        }
    }

    public int Seed { get; }

    public CompiledPolicy Policy { get; }

    public string[] PrincipalIds { get; }

    public List<Op> Operations { get; } = [];

    public static FsCheck.Arbitrary<GateScenario> Arbitrary { get; } =
        FsCheck.Fluent.Arb.From(FsCheck.Fluent.Gen.Select(FsCheck.Fluent.Gen.Choose(0, int.MaxValue), seed => new GateScenario(seed)));

    public static GateScenario FromSeed(int seed) => new(seed);

    public override string ToString() => $"seed {Seed}";

    /// <summary>The operations; <see cref="OpKind.Review"/> is a reviewer's whole turn: present, wait, approve.</summary>
    public enum OpKind { Invoke, Present, Approve, Review, Reject, Execute, Advance, SetStatus, BreakGlass }

    /// <param name="Payload">Index into <see cref="Payloads"/>; -1 at execution means "the request's own payload".</param>
    /// <param name="Request">Index into the requests opened so far (modulo their number).</param>
    /// <param name="Arg">Seconds for Advance; the new status for SetStatus.</param>
    public sealed record Op(OpKind Kind, string Who, string Skill, int Payload, int Request, int Arg);

    /// <summary>
    /// Plays the scenario and returns the trace. With several <paramref name="instances"/>, each operation goes to a
    /// gate drawn at random (from the seed) among that many gates over the one shared store, as app instances would.
    /// With <paramref name="partitions"/>, every operation goes through one <see cref="PartitionedGate"/> over that many
    /// chains (one store each), routed by the requester or by the request's id.
    /// </summary>
    public Trace Run(int instances = 1, int partitions = 0)
    {
        if (partitions > 0) return RunPartitioned(partitions);
        var trace = NewTrace();
        var gates = Enumerable.Range(0, instances).Select(_ => trace.NewGate()).ToList();
        var routing = new Random(Seed ^ 0x1a57);
        Play(trace, Operations, () => gates[routing.Next(instances)]);
        trace.Gates = gates;
        return trace;
    }

    /// <summary>A fresh store, clock and draw source for this scenario; <see cref="Trace.NewGate"/> opens gates over them.</summary>
    public Trace NewTrace() => new(this, new FaultyAuditStore())
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)),
        Draws = new Random(Seed ^ 0x5eed),
        Statuses = Policy.Principals.Values.ToDictionary(p => p.Id),
    };

    private Trace RunPartitioned(int partitions)
    {
        var chains = Enumerable.Range(0, partitions).Select(_ => new FaultyAuditStore()).ToArray();
        var single = NewTrace();
        var trace = new Trace(this, chains[0]) { Time = single.Time, Draws = single.Draws, Statuses = single.Statuses, Chains = chains };
        var log = Sync(PartitionedAuditLog.OpenAsync(
            [.. chains.Select((c, i) => new KeyValuePair<string, IAuditStore>(PartitionedAuditLog.ChainName(i), c))], new PartitionedAuditLogOptions()));
        var gate = Sync(PartitionedGate.CreateAsync(Policy, log,
            new PartitionedGateOptions { TimeProvider = trace.Time, SampleSource = () => { lock (trace.Draws) return trace.Draws.NextDouble(); } }));
        var calls = Calls.Of(gate);
        PlayCalls(trace, Operations, () => calls);
        trace.Partitioned = gate;
        return trace;
    }

    /// <summary>Plays <paramref name="operations"/> into <paramref name="trace"/>, each on the gate <paramref name="route"/> picks.</summary>
    public static void Play(Trace trace, IEnumerable<Op> operations, Func<ApprovalGate> route) =>
        PlayCalls(trace, operations, () => Calls.Of(route()));

    private static void PlayCalls(Trace trace, IEnumerable<Op> operations, Func<Calls> route)
    {
        var time = trace.Time;
        var statuses = trace.Statuses;
        foreach (var op in operations)
        {
            var gate = route();
            var now = time.GetUtcNow();
            var at = new Dictionary<string, PrincipalDefinition>(statuses);
            // Mostly the latest requests, where the reviewing is going on.
            string? RequestId() => trace.Requests.Count == 0 ? null : trace.Requests[Math.Max(0, trace.Requests.Count - 1 - (op.Request % 3))].Id;
            void SignOff(string id, bool approve)
            {
                var signed = Sync(approve ? gate.Approve(id, op.Who, "reviewed") : gate.Reject(id, op.Who, "not covered"));
                trace.Results.Add((approve ? OpKind.Approve : OpKind.Reject, signed));
                if (!signed.IsRefused) trace.SignOffs.Add(new Signed(id, op.Who, approve, time.GetUtcNow(), at));
            }
            Func<CancellationToken, ValueTask> Runs(string kind, string skill, string? requestId, int payload) => _ =>
            {
                trace.Runs.Add(new ActionRun(kind, op.Who, skill, requestId, payload, now, at));
                return ValueTask.CompletedTask;
            };
            switch (op.Kind)
            {
                case OpKind.Invoke:
                    var invoked = Sync(gate.Invoke(op.Who, op.Skill, Payloads[op.Payload], Runs("invoke", op.Skill, null, op.Payload)));
                    trace.Results.Add((op.Kind, invoked));
                    if (invoked.Request is { } opened) trace.Requests.Add(new Opened(opened.Id, op.Who, op.Skill, op.Payload, opened.ExpiresAt));
                    break;
                case OpKind.Present when RequestId() is { } id:
                    trace.Results.Add((op.Kind, Sync(gate.Present(id, op.Who))));
                    break;
                case OpKind.Approve or OpKind.Reject when RequestId() is { } id:
                    SignOff(id, op.Kind == OpKind.Approve);
                    break;
                case OpKind.Review when RequestId() is { } id:
                    trace.Results.Add((OpKind.Present, Sync(gate.Present(id, op.Who))));
                    time.Advance(TimeSpan.FromSeconds(op.Arg));
                    SignOff(id, approve: true);
                    break;
                case OpKind.Execute when RequestId() is { } executeId:
                    var target = trace.Requests.Single(r => r.Id == executeId);
                    // Mostly the requester with the request's own payload, so executions actually happen.
                    var executor = op.Payload == -1 ? target.Requester : op.Who;
                    var payload = op.Payload == -1 ? target.Payload : op.Payload;
                    trace.Results.Add((op.Kind, Sync(gate.Execute(target.Id, executor, Payloads[payload], _ =>
                    {
                        trace.Runs.Add(new ActionRun("execute", executor, target.Skill, target.Id, payload, now, at));
                        return ValueTask.CompletedTask;
                    }))));
                    break;
                case OpKind.Advance:
                    time.Advance(TimeSpan.FromSeconds(op.Arg));
                    break;
                case OpKind.SetStatus:
                    var old = statuses[op.Who];
                    var changed = new PrincipalDefinition(old.Id, old.Kind, old.Role, (PrincipalStatus)op.Arg, old.Owner);
                    if (Sync(gate.Register(changed)).Count == 0) statuses[op.Who] = changed;
                    break;
                case OpKind.BreakGlass:
                    trace.Results.Add((op.Kind, Sync(gate.BreakGlass(op.Who, op.Skill, Payloads[op.Payload], "emergency", Runs("break_glass", op.Skill, null, op.Payload)))));
                    break;
            }
        }
    }

    private static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();

    private static T Sync<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>The gate calls a scenario makes, on one <see cref="ApprovalGate"/> or on a <see cref="PartitionedGate"/>.</summary>
    private sealed record Calls(
        Func<string, string, JsonObject, Func<CancellationToken, ValueTask>, ValueTask<GateResult>> Invoke,
        Func<string, string, ValueTask<GateResult>> Present,
        Func<string, string, string, ValueTask<GateResult>> Approve,
        Func<string, string, string, ValueTask<GateResult>> Reject,
        Func<string, string, JsonObject, Func<CancellationToken, ValueTask>, ValueTask<GateResult>> Execute,
        Func<PrincipalDefinition, ValueTask<IReadOnlyList<PolicyDiagnostic>>> Register,
        Func<string, string, JsonObject, string, Func<CancellationToken, ValueTask>, ValueTask<GateResult>> BreakGlass)
    {
        public static Calls Of(ApprovalGate g) => new(
            (p, s, j, a) => g.InvokeAsync(p, s, j, a), (r, w) => g.PresentAsync(r, w), (r, w, why) => g.ApproveAsync(r, w, why),
            (r, w, why) => g.RejectAsync(r, w, why), (r, w, j, a) => g.ExecuteAsync(r, w, j, a), p => g.RegisterPrincipalAsync(p),
            (p, s, j, why, a) => g.BreakGlassAsync(p, s, j, why, a));

        public static Calls Of(PartitionedGate g) => new(
            (p, s, j, a) => g.InvokeAsync(p, s, j, a), (r, w) => g.PresentAsync(r, w), (r, w, why) => g.ApproveAsync(r, w, why),
            (r, w, why) => g.RejectAsync(r, w, why), (r, w, j, a) => g.ExecuteAsync(r, w, j, a), p => g.RegisterPrincipalAsync(p),
            (p, s, j, why, a) => g.BreakGlassAsync(p, s, j, why, a));
    }

    public sealed record Opened(string Id, string Requester, string Skill, int Payload, DateTimeOffset ExpiresAt);

    public sealed record ActionRun(string Kind, string PrincipalId, string Skill, string? RequestId, int Payload, DateTimeOffset At, IReadOnlyDictionary<string, PrincipalDefinition> Principals);

    public sealed record Signed(string RequestId, string ReviewerId, bool Approve, DateTimeOffset At, IReadOnlyDictionary<string, PrincipalDefinition> Principals);

    public sealed class Trace(GateScenario scenario, FaultyAuditStore store)
    {
        public GateScenario Scenario { get; } = scenario;

        public FaultyAuditStore Store { get; } = store;

        /// <summary>Every chain's store: <see cref="Store"/> alone unless the scenario ran partitioned.</summary>
        public IReadOnlyList<FaultyAuditStore> Chains { get; init; } = [store];

        /// <summary>The partitioned gate the operations went to, when the scenario ran partitioned.</summary>
        public PartitionedGate? Partitioned { get; set; }

        /// <summary>The gates the operations went to (one unless the scenario ran on several instances).</summary>
        public IReadOnlyList<ApprovalGate> Gates { get; set; } = [];

        public FakeTimeProvider Time { get; set; } = null!;

        /// <summary>The sampled gates' draws, shared by every gate of the trace.</summary>
        public Random Draws { get; init; } = null!;

        /// <summary>The principals as the scenario has registered them so far.</summary>
        public Dictionary<string, PrincipalDefinition> Statuses { get; init; } = null!;

        /// <summary>A gate over the trace's store, clock and draws.</summary>
        public ApprovalGate NewGate(GateSnapshotOptions? snapshots = null) =>
            new(Scenario.Policy, Store, Time, null, () => { lock (Draws) return Draws.NextDouble(); }) { Snapshots = snapshots };

        public List<Opened> Requests { get; } = [];

        public List<ActionRun> Runs { get; } = [];

        public List<Signed> SignOffs { get; } = [];

        public List<(OpKind Op, GateResult Result)> Results { get; } = [];

        public IEnumerable<AuditEvent> Events(string type) => Chains.SelectMany(c => c.OfType(type));

        /// <summary>Every request as the gate holds it, serialised for comparison.</summary>
        public static string Describe(ApprovalGate gate, IEnumerable<string> ids) =>
            string.Join("\n", ids.Select(id => JsonSerializer.Serialize(gate.GetRequest(id))));
    }
}
