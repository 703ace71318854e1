using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Diagnostics;
using MakerChecker.Policy.Model;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Properties;

/// <summary>
/// The two invariants behind the defects of issue 12, each over 1,000 generated cases: an approved request under an
/// amount ceiling executes exactly once with its approved payload, and static separation of duties holds for every
/// principal registered at run time (directly or through the agents it owns). The checks restate the rules
/// independently of the gate's code.
/// </summary>
public class RuleProperties
{
    private const int Cases = 1000;
    private const string Pay = "claims.pay@1";

    private static readonly Arbitrary<int> Seeds = Arb.From(Gen.Choose(0, int.MaxValue));

    [Property(MaxTest = Cases)]
    public Property An_approved_request_under_an_amount_ceiling_executes_exactly_once_with_its_approved_payload() =>
        Prop.ForAll(Seeds, seed =>
        {
            var rnd = new Random(seed);
            var max = rnd.Next(1, 100_000) + (rnd.Next(0, 100) / 100m);
            var amount = rnd.Next(4) switch { 0 => max, 1 => 0m, _ => Math.Round((decimal)rnd.NextDouble() * max, 2) };
            var approvers = rnd.Next(1, 3);
            var sampled = rnd.Next(2) == 0;
            var perMinute = rnd.Next(2) == 0 ? 1 : (int?)null;
            var spec = new TestPolicy();
            spec.Role("payer").Grant(Pay,
                gate: new TestPolicy.GateSpec { Approvers = approvers, ApproverRoles = ["reviewer"], Sample = sampled ? 0.5 : 1.0 },
                limits: at => TestPolicy.Limits(at, perMinute: perMinute, maxAmount: max, amountField: "claim.amount"));
            spec.Role("reviewer").Grant("claims.note@1");
            spec.Agent("payer-bot", "payer", owner: "ops").Human("ops", "payer").Human("dr-a", "reviewer").Human("dr-b", "reviewer");

            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
            var store = new FaultyAuditStore();
            var gate = new ApprovalGate(spec.Build(), store, time, sampleSource: () => 0.0);
            var approved = Claim(amount);
            var runs = new List<(string Who, string Payload)>();
            var opened = Sync(gate.InvokeAsync("payer-bot", Pay, approved, _ => throw new InvalidOperationException("a gated invocation ran")));
            if (opened.Request is not { } request) return false.Label($"not opened: {opened.ReasonCode}");
            foreach (var reviewer in new[] { "dr-a", "dr-b" }.Take(approvers))
            {
                Sync(gate.PresentAsync(request.Id, reviewer));
                if (Sync(gate.ApproveAsync(request.Id, reviewer, "checked")).IsRefused) return false.Label("a sign-off was refused");
            }

            // Attempts in random order: the approved payload (an equal copy, sometimes more than once), another amount,
            // another executor; sometimes all at once.
            var attempts = new List<(string Who, JsonObject Payload)> { ("payer-bot", Claim(amount)) };
            for (var i = rnd.Next(0, 4); i > 0; i--)
            {
                attempts.Add(rnd.Next(3) switch
                {
                    0 => ("payer-bot", Claim(amount)),
                    1 => ("payer-bot", Claim(amount == 0 ? 1 : amount - 0.01m)),
                    _ => ("ops", Claim(amount)),
                });
            }
            attempts = [.. attempts.OrderBy(_ => rnd.Next())];
            Func<CancellationToken, ValueTask> Run(string who, JsonObject payload) => _ =>
            {
                lock (runs) runs.Add((who, payload.ToJsonString()));
                return ValueTask.CompletedTask;
            };
            ValueTask<GateResult> Execute((string Who, JsonObject Payload) a) => gate.ExecuteAsync(request.Id, a.Who, a.Payload, Run(a.Who, a.Payload));
            var results = rnd.Next(3) == 0
                ? Task.WhenAll(attempts.Select(a => Task.Run(() => Execute(a).AsTask()))).GetAwaiter().GetResult()
                : [.. attempts.Select(a => Sync(Execute(a)))];

            var executed = results.Count(r => r.Outcome == DecisionOutcome.Executed);
            var started = store.OfType(AuditEventTypes.ActionStarted).Count();
            var refusals = string.Join(", ", results.Where(r => r.IsRefused).Select(r => r.ReasonCode).Distinct());
            return (runs.Count == 1 && executed == 1 && started == 1
                    && runs[0] == ("payer-bot", approved.ToJsonString())
                    && Sync(gate.GetRequestAfterRefresh(request.Id)).Status == ApprovalStatus.Executed)
                .Label($"max {max}, amount {amount}, approvers {approvers}, sampled {sampled}, per_minute {perMinute}: "
                    + $"{runs.Count} run(s), {executed} executed, {started} started; refused: {refusals}");
        });

    [Property(MaxTest = Cases)]
    public Property No_principal_registered_at_run_time_ever_holds_two_roles_of_a_separation_constraint() =>
        Prop.ForAll(Seeds, seed =>
        {
            var failure = RegisterAtRandom(seed, out var accepted, out var separationRefusals);
            return (failure is null).Label(failure ?? "")
                .Classify(separationRefusals > 0, "some registration refused for separation").Classify(accepted > 0, "some registration accepted");
        });

    /// <summary>The generator reaches both sides: registrations accepted, and registrations refused for separation of duties.</summary>
    [Fact]
    public void The_registration_cases_reach_acceptances_and_separation_refusals()
    {
        var (accepted, refused) = (0, 0);
        for (var seed = 0; seed < 200; seed++)
        {
            Assert.Null(RegisterAtRandom(seed, out var a, out var r));
            (accepted, refused) = (accepted + a, refused + r);
        }
        Assert.True(accepted >= 200, $"{accepted} registrations accepted");
        Assert.True(refused >= 50, $"{refused} registrations refused for separation");
    }

    /// <summary>
    /// Twelve registrations drawn from <paramref name="seed"/> over a policy with one to three separation constraints;
    /// after each, the gate must have accepted exactly what the oracle accepts, and no principal in force may break a
    /// constraint. Returns what went wrong, or <see langword="null"/>.
    /// </summary>
    private static string? RegisterAtRandom(int seed, out int accepted, out int separationRefusals)
    {
        (accepted, separationRefusals) = (0, 0);
        var rnd = new Random(seed);
        var roles = new[] { "r0", "r1", "r2", "r3", "r4" };
        var spec = new TestPolicy();
        foreach (var role in roles) spec.Role(role).Grant($"{role}.act@1");
        var separations = new List<string[]>();
        for (var i = rnd.Next(1, 4); i > 0; i--)
        {
            var separated = roles.OrderBy(_ => rnd.Next()).Take(rnd.Next(2, 4)).ToArray();
            separations.Add(separated);
            spec.Separate(separated);
        }
        // Humans in the policy hold one role each, so the policy itself is valid.
        var humans = new[] { "h0", "h1", "h2", "n0", "n1" };
        var agents = new[] { "a0", "a1", "a2", "a3" };
        foreach (var h in humans.Take(3)) spec.Human(h, roles[rnd.Next(roles.Length)]);
        var gate = new ApprovalGate(spec.Build(), new FaultyAuditStore());

        var state = humans.Take(3).ToDictionary(h => h, h => gate.ResolvePrincipalForTest(h)!);
        for (var step = 0; step < 12; step++)
        {
            var isAgent = rnd.Next(2) == 0;
            var id = isAgent ? agents[rnd.Next(agents.Length)] : humans[rnd.Next(humans.Length)];
            var role = rnd.Next(12) == 0 ? "ghost" : roles[rnd.Next(roles.Length)];
            var owner = isAgent ? (rnd.Next(12) == 0 ? null : humans[rnd.Next(humans.Length)]) : null;
            var principal = new PrincipalDefinition(id, isAgent ? PrincipalKind.Agent : PrincipalKind.Human, role, PrincipalStatus.Active, owner);

            var diagnostics = Sync(gate.RegisterPrincipalAsync(principal));
            var next = new Dictionary<string, PrincipalDefinition>(state) { [id] = principal };
            var separated = Violator(next, separations) is not null;
            var shouldAccept = role != "ghost" && (!isAgent || owner is not null) && !separated;
            var wasAccepted = diagnostics.Count == 0;
            if (wasAccepted != shouldAccept)
            {
                return $"step {step}: {id} ({role}, owner {owner}) accepted {wasAccepted}, expected {shouldAccept}: "
                    + string.Join(" ", diagnostics.Select(d => d.Message));
            }
            if (wasAccepted) (state, accepted) = (next, accepted + 1);
            else if (diagnostics.Any(d => d.Code == DiagnosticCodes.SeparationViolated)) separationRefusals++;

            // The principals in force, as the gate resolves them, never break a constraint.
            var inForce = state.Keys.ToDictionary(k => k, k => gate.ResolvePrincipalForTest(k)!);
            if (Violator(inForce, separations) is { } violator) return $"step {step}: '{violator}' holds separated roles";
        }
        return null;
    }

    /// <summary>The oracle: a principal holding two roles of one constraint, counting the roles of the agents it owns.</summary>
    private static string? Violator(Dictionary<string, PrincipalDefinition> principals, List<string[]> separations)
    {
        foreach (var p in principals.Values)
        {
            var held = principals.Values.Where(a => a.Owner == p.Id && a.Id != p.Id).Select(a => a.Role).Append(p.Role).ToHashSet();
            if (separations.Any(s => s.Count(held.Contains) >= 2)) return p.Id;
        }
        return null;
    }

    private static JsonObject Claim(decimal amount) => new() { ["claim"] = new JsonObject { ["id"] = "C-7", ["amount"] = amount } };

    private static T Sync<T>(ValueTask<T> task) => task.AsTask().GetAwaiter().GetResult();
}

/// <summary>Test access to the gate's view of principals and requests.</summary>
internal static class GateTestAccess
{
    public static PrincipalDefinition? ResolvePrincipalForTest(this ApprovalGate gate, string id) => gate.ResolvePrincipal(id);

    public static async ValueTask<ApprovalRequest> GetRequestAfterRefresh(this ApprovalGate gate, string id)
    {
        await gate.RefreshAsync();
        return gate.GetRequest(id)!;
    }
}
