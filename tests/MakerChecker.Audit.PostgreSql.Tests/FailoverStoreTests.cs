using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Npgsql;
using static MakerChecker.Audit.PostgreSql.Tests.PostgreSqlReconnectTests;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// What one store does around a failover, on a primary with a synchronous standby (<see cref="ReplicatedPostgres"/>):
/// a commit the primary never confirmed is reported as of unknown outcome (it may be in the log), and after a promotion
/// the next append goes to the new primary.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverStoreTests
{
    public static string? StoreSkipReason => ReplicatedPostgres.SkipReason;

    [StoreFact]
    public async Task A_commit_whose_connection_died_unconfirmed_is_reported_as_unknown_and_was_in_fact_recorded()
    {
        await using var pair = await ReplicatedPostgres.StartAsync();
        await using var store = await PostgreSqlAuditStore.OpenAsync(pair.PrimaryConnectionString);
        await store.AppendAsync(Entry("confirmed"));

        // With its synchronous standby gone, the primary commits locally and then waits for it before confirming.
        await pair.StopStandbyAsync();
        var append = store.AppendAsync(Entry("unconfirmed")).AsTask();
        await ReplicatedPostgres.WaitForAsync("the commit to wait for the standby", async () => await OnPrimaryAsync(pair,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") > 0);
        Assert.Equal(1, await OnPrimaryAsync(pair, 
            "SELECT count(pg_terminate_backend(pid, 60000)) FROM (SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep' OFFSET 0) waiting"));

        var error = await Assert.ThrowsAsync<AuditStoreException>(() => append);
        Assert.Contains("whether the event was recorded is not known", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("was not recorded", error.Message, StringComparison.Ordinal);

        // And it was recorded: saying "not recorded" would have invited a caller to act as if it were not.
        await using var reader = await PostgreSqlAuditStore.OpenReadOnlyAsync(pair.PrimaryConnectionString);
        var ids = new List<string?>();
        await foreach (var e in reader.ReadAsync(2)) ids.Add(e.EntityId);
        Assert.Equal(["confirmed", "unconfirmed"], ids);
    }

    [StoreFact]
    public async Task After_the_standby_is_promoted_the_next_append_goes_to_it_although_npgsql_last_saw_it_as_a_standby()
    {
        await using var pair = await ReplicatedPostgres.StartAsync();
        // Npgsql would remember each host's role for ten minutes: the store must not wait for that.
        var connectionString = pair.FailoverConnectionString + ";Host Recheck Seconds=600";
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        await store.AppendAsync(Entry("before"));

        await pair.KillPrimaryAsync();
        var failed = await Assert.ThrowsAsync<AuditStoreException>(async () => await store.AppendAsync(Entry("no primary")));
        Assert.Contains("was not recorded", failed.Message, StringComparison.Ordinal); // nothing reached a server that could commit it
        await pair.PromoteStandbyAsync();

        Assert.Equal(3, (await store.AppendAsync(Entry("after"))).Seq);
        var ids = new List<string?>();
        await foreach (var e in store.ReadAsync(2)) ids.Add(e.EntityId);
        Assert.Equal(["before", "after"], ids);
    }

    private static async Task<long> OnPrimaryAsync(ReplicatedPostgres pair, string sql)
    {
        await using var connection = new NpgsqlConnection(pair.PrimaryConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
