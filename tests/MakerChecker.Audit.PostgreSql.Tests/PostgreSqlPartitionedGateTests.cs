using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Partitions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// Two app instances, each a <see cref="PartitionedGate"/> over its own <see cref="PartitionedAuditLog"/> object on one
/// PostgreSQL database of four chains (a schema each): a limit holds across both, a request opened on one is signed and
/// executed on the other, racing executions run the action once, and every chain verifies.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlPartitionedGateTests(PostgresServer server)
{
    private const int Partitions = 4;

    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task Two_instances_of_a_partitioned_gate_keep_limits_and_execute_once_on_postgres()
    {
        var connection = await NewDatabaseAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
        var policy = GateTestPolicy.Load();
        await using var logA = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, Partitions, new PartitionedAuditLogOptions());
        await using var logB = await PostgreSqlPartitionedAuditLog.OpenAsync(connection, Partitions, new PartitionedAuditLogOptions());
        await using var a = await PartitionedGate.CreateAsync(policy, logA, new PartitionedGateOptions { TimeProvider = time });
        await using var b = await PartitionedGate.CreateAsync(policy, logB, new PartitionedGateOptions { TimeProvider = time });

        // A per-minute limit, both instances invoking at once: exactly that many allowed, all on the requester's chain.
        var runs = 0;
        var calls = Enumerable.Range(0, 12).Select(i => (i % 2 == 0 ? a : b).InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(),
            _ => { Interlocked.Increment(ref runs); return ValueTask.CompletedTask; }).AsTask());
        var results = await Task.WhenAll(calls);
        Assert.Equal(GateTestPolicy.PerMinute, runs);
        Assert.All(results.Where(r => r.Outcome != DecisionOutcome.Allowed), r => Assert.Equal(ReasonCodes.LimitExceeded, r.ReasonCode));
        var home = a.ChainOf("screener-bot");
        Assert.Equal(home, b.ChainOf("screener-bot"));
        foreach (var chain in a.Chains)
        {
            var allowed = await CountAsync(logA.GetChain(chain), AuditEventTypes.DecisionAllowed);
            Assert.Equal(chain == home ? GateTestPolicy.PerMinute : 0, allowed);
        }

        // Opened on A, signed on B; both race to execute: the action runs once.
        var id = await GateTestPolicy.OpenApprovedRequestAsync(a.GetChainGate(home), b.GetChainGate(home), b.GetChainGate(home), time);
        Assert.Equal(home, a.ChainOfId(id));
        var executions = 0;
        var raced = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).ExecuteAsync(id, "screener-bot", GateTestPolicy.Claim(),
            _ => { Interlocked.Increment(ref executions); return ValueTask.CompletedTask; }).AsTask()));
        Assert.Equal(1, executions);
        Assert.Single(raced, r => r.ReasonCode == ReasonCodes.Executed);

        // An id that names no chain of the log is not looked for: request_not_found, nothing recorded.
        Assert.Equal(ReasonCodes.RequestNotFound, (await a.ApproveAsync("p9." + Guid.NewGuid(), "dr.a")).ReasonCode);

        foreach (var chain in a.Chains)
        {
            Assert.True((await AuditStoreVerifier.VerifyAsync(logA.GetChain(chain))).IsValid, chain);
        }
    }

    private async Task<string> NewDatabaseAsync()
    {
        var database = "mc_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = new NpgsqlConnection(server.ConnectionString);
        await admin.OpenAsync();
        await using var create = admin.CreateCommand();
        create.CommandText = $"CREATE DATABASE {database}";
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ToString();
    }

    private static async Task<int> CountAsync(IAuditStore store, string eventType)
    {
        var count = 0;
        await foreach (var e in store.ReadAsync()) if (e.EventType == eventType) count++;
        return count;
    }
}
