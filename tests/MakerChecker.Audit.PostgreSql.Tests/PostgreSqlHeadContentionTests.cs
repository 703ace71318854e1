using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// Decisions that hold the chain's head (keyed invocations, requests, sign-offs, executions) while other instances keep
/// appending to the same chain: four gates, each over its own store object (its own writer connection, as four app
/// instances), and two writers appending without pause. Each such decision is a compare-and-append on the head; one that
/// keeps losing it must still be made (the gate holds the chain's lock for its next try), never refused with
/// <c>audit_write_failed</c> under ordinary contention, and limits and execute-once stay exact.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlHeadContentionTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    private const int Gates = 4;
    private const int CallersPerGate = 4;
    private const int KeyedPerCaller = 6;
    private const int RoundTripsPerCaller = 2;
    private const int CappedPerMinute = 10;
    private const int Principals = CallersPerGate; // worker-0 to worker-3, each with one caller on every instance

    private const string Policy = """
        policy:
          name: head-contention
          version: "1"
        skills:
          - skill: claim.note
            versions: [1]
            risk: low
          - skill: claim.capped
            versions: [1]
            risk: low
          - skill: claim.deny
            versions: [1]
            risk: high
        roles:
          - role: worker
            grants:
              - skill: claim.note@1
              - skill: claim.capped@1
                limits:
                  per_minute: 10
              - skill: claim.deny@1
                gate:
                  approvers: 1
                  approver_roles: [reviewer]
          - role: reviewer
        principals:
          - id: worker-0
            kind: service
            role: worker
          - id: worker-1
            kind: service
            role: worker
          - id: worker-2
            kind: service
            role: worker
          - id: worker-3
            kind: service
            role: worker
          - id: rev
            kind: human
            role: reviewer
        """;

    [StoreFact]
    public async Task Keyed_decisions_and_round_trips_are_made_while_other_writers_keep_moving_the_head()
    {
        var ran = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var connectionString = await server.NewSchemaAsync();
        var stores = new List<IAuditStore>();
        var first = await PostgreSqlAuditStore.OpenAsync(connectionString);
        stores.Add(first);
        for (var i = 1; i < Gates + 2; i++)
        {
            stores.Add(await PostgreSqlAuditStore.OpenAsync(connectionString, new SqlAuditStoreOptions { InstanceId = first.InstanceId }));
        }

        try
        {
            var policy = PolicyLoader.Load(Policy).GetPolicyOrThrow();
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero)); // every call in one minute of the limit
            var gates = new List<ApprovalGate>();
            foreach (var store in stores.Take(Gates))
            {
                var gate = new ApprovalGate(policy, store, time);
                await gate.InitializeAsync();
                gates.Add(gate);
            }

            using var stop = new CancellationTokenSource();
            var hammers = stores.Skip(Gates).SelectMany(store => Enumerable.Range(0, 4).Select(_ => HammerAsync(store, stop.Token))).ToList();
            var failures = new ConcurrentBag<string>();
            var (allowed, executed, cappedAllowed) = (0, 0, 0);
            await Task.WhenAll(Enumerable.Range(0, Gates * CallersPerGate).Select(c => Task.Run(async () =>
            {
                var gate = gates[c % Gates];
                // Each principal's callers are spread over every instance, so its limit is counted across them.
                var principal = "worker-" + (c / Gates).ToString(System.Globalization.CultureInfo.InvariantCulture);
                for (var n = 0; n < KeyedPerCaller + RoundTripsPerCaller; n++)
                {
                    try
                    {
                        if (n < KeyedPerCaller)
                        {
                            var skill = n % 2 == 0 ? "claim.capped@1" : "claim.note@1";
                            var result = await gate.InvokeAsync(principal, skill, Claim(c, n), Run, idempotencyKey: $"k-{c}-{n}");
                            if (result.Outcome == DecisionOutcome.Allowed)
                            {
                                Interlocked.Increment(ref allowed);
                                if (skill == "claim.capped@1") Interlocked.Increment(ref cappedAllowed);
                            }
                            else if (result.ReasonCode != ReasonCodes.LimitExceeded) failures.Add(result.ReasonCode);
                        }
                        else
                        {
                            var opened = await gate.InvokeAsync(principal, "claim.deny@1", Claim(c, n), _ => throw new InvalidOperationException("ran unapproved"));
                            var id = opened.Request?.Id ?? throw new InvalidOperationException("open: " + opened.ReasonCode);
                            var presented = await gate.PresentAsync(id, "rev");
                            Assert.Equal(ReasonCodes.Presented, presented.ReasonCode);
                            Assert.Equal(ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "rev", "checked")).ReasonCode);
                            // Every instance races to execute it: one runs the action, the others are told it was executed.
                            var results = await Task.WhenAll(gates.Select(g => g.ExecuteAsync(id, principal, Claim(c, n), _ => Ran(id)).AsTask()));
                            Assert.Single(results, r => r.ReasonCode == ReasonCodes.Executed);
                            Assert.All(results, r => Assert.Contains(r.ReasonCode, new[] { ReasonCodes.Executed, ReasonCodes.AlreadyExecuted }));
                            Interlocked.Increment(ref executed);
                        }
                    }
                    catch (Exception ex) when (ex is AuditStoreException or ActionOutcomeNotRecordedException)
                    {
                        failures.Add(ex.GetType().Name + ": " + ex.Message);
                    }
                }
            })));
            await stop.CancelAsync();
            var hammered = (await Task.WhenAll(hammers)).Sum();

            Assert.Empty(failures);
            Assert.True(hammered > 0, "the other writers appended meanwhile");
            Assert.Equal(Principals * CappedPerMinute, cappedAllowed); // each principal: 4 callers x 3 tries, 10 a minute across every instance
            Assert.Equal(Gates * CallersPerGate * RoundTripsPerCaller, executed);
            Assert.All(ran, r => Assert.Equal(1, r.Value));
            Assert.Equal(allowed + executed, ran.Count);

            foreach (var gate in gates) await gate.DisposeAsync();
            var events = new List<AuditEvent>();
            await foreach (var e in first.ReadAsync()) events.Add(e);
            Assert.Equal(Principals * CappedPerMinute, events.Count(e => e.EventType == AuditEventTypes.DecisionAllowed
                && e.Payload.GetProperty("skill").GetString() == "claim.capped@1"));
            Assert.Equal(executed, events.Count(e => e.EventType == AuditEventTypes.ActionStarted));
            Assert.True((await AuditStoreVerifier.VerifyAsync(first)).IsValid);
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }

        ValueTask Run(CancellationToken _) => Ran(Guid.NewGuid().ToString("N"));

        ValueTask Ran(string id)
        {
            ran.AddOrUpdate(id, 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        }
    }

    private static JsonObject Claim(int caller, int n) => new() { ["claim"] = new JsonObject { ["id"] = $"C-{caller}-{n}" } };

    /// <summary>Another instance's traffic: appends without pause until stopped; returns how many.</summary>
    private static async Task<int> HammerAsync(IAuditStore store, CancellationToken stop)
    {
        var count = 0;
        while (!stop.IsCancellationRequested)
        {
            await store.AppendAsync(new AuditEntry
            {
                Actor = new AuditActor("service", "other-instance"), EventType = "test.traffic", Payload = new() { ["n"] = count },
            }, CancellationToken.None);
            count++;
        }

        return count;
    }
}
