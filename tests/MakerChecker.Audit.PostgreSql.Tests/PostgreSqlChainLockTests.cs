using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// The append lock is per chain (per schema), so that the chains of a partitioned log never serialize on one another,
/// while the single-chain log in the public schema keeps the key every earlier version takes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlChainLockTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    // The key a single-chain log has always locked ("MCAUDIT1").
    private const long SingleChainKey = 0x4D43_4155_4449_5431;

    private static readonly SqlAuditStoreOptions ShortLock = new() { LockTimeout = TimeSpan.FromSeconds(1) };

    [StoreFact]
    public async Task An_append_to_one_schema_does_not_wait_for_the_lock_of_the_single_chain_log()
    {
        await using var store = await PostgreSqlAuditStore.OpenAsync(await server.NewSchemaAsync(), ShortLock);
        await using var holder = await HoldLockAsync(server.ConnectionString);

        var appended = await store.AppendAsync(Entry("while the public log's writer holds its lock"));

        Assert.Equal(2, appended.Seq);
    }

    [StoreFact]
    public async Task The_public_schema_log_still_takes_the_single_chain_key()
    {
        var publicLog = new NpgsqlConnectionStringBuilder(server.ConnectionString) { SearchPath = "public" }.ToString();
        await using (await PostgreSqlAuditStore.OpenAsync(publicLog))
        {
        }

        await using var store = await PostgreSqlAuditStore.OpenAsync(publicLog, ShortLock);
        await using (var holder = await HoldLockAsync(server.ConnectionString))
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await store.AppendAsync(Entry("waits for the holder, then times out")));
        }

        Assert.True((await store.AppendAsync(Entry("after the holder let go"))).Seq >= 2);
    }

    [StoreFact]
    public async Task A_store_that_holds_the_head_appends_while_another_store_of_the_chain_waits()
    {
        var chain = await server.NewSchemaAsync();
        await using var holder = await PostgreSqlAuditStore.OpenAsync(chain);
        await using var other = await PostgreSqlAuditStore.OpenAsync(chain, new SqlAuditStoreOptions { InstanceId = holder.InstanceId, LockTimeout = TimeSpan.FromSeconds(1) });

        var hold = await holder.HoldHeadAsync();
        Assert.NotNull(hold);
        await using (hold)
        {
            Assert.Equal(2, (await holder.AppendAsync(Entry("the holder's own appends go on"))).Seq);
            Assert.Equal(3, (await holder.TryAppendAsync(Entry("compare-and-append too"), 2))!.Seq);
            await Assert.ThrowsAsync<AuditStoreException>(async () => await other.AppendAsync(Entry("waits for the hold, then times out")));
        }

        Assert.Equal(4, (await other.AppendAsync(Entry("after the holder let go"))).Seq);
        Assert.Equal(5, (await holder.AppendAsync(Entry("and the holder still appends"))).Seq);
    }

    [StoreFact]
    public async Task A_hold_let_go_after_its_store_closed_is_already_gone()
    {
        var chain = await server.NewSchemaAsync();
        var holder = await PostgreSqlAuditStore.OpenAsync(chain);
        var hold = await holder.HoldHeadAsync();
        await holder.DisposeAsync();

        await hold!.DisposeAsync(); // closing the store ended the writer's session, and the hold with it
        await using var other = await PostgreSqlAuditStore.OpenAsync(chain, new SqlAuditStoreOptions { InstanceId = holder.InstanceId, LockTimeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(2, (await other.AppendAsync(Entry("nobody holds the head any more"))).Seq);
    }

    [StoreFact]
    public async Task An_append_and_a_hold_that_wait_past_the_lock_timeout_fail_on_the_lock_not_on_the_command_timeout()
    {
        var chain = await server.NewSchemaAsync();
        await using var holder = await PostgreSqlAuditStore.OpenAsync(chain);
        await using var other = await PostgreSqlAuditStore.OpenAsync(
            chain, new SqlAuditStoreOptions { InstanceId = holder.InstanceId, LockTimeout = TimeSpan.FromSeconds(1) });

        await using (await holder.HoldHeadAsync())
        {
            // The lock timeout is the store's own (a session setting of its connections): the server refuses the lock
            // (lock_not_available), long before the driver's command timeout would cancel the statement.
            var append = await Assert.ThrowsAsync<AuditStoreException>(async () => await other.AppendAsync(Entry("waits for the hold")));
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, Assert.IsType<PostgresException>(append.InnerException).SqlState);
            var hold = await Assert.ThrowsAsync<AuditStoreException>(async () => await other.HoldHeadAsync());
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, Assert.IsType<PostgresException>(hold.InnerException).SqlState);
        }

        Assert.Equal(2, (await other.AppendAsync(Entry("after the holder let go"))).Seq);
    }

    /// <summary>A connection inside a transaction that holds the single-chain key; closing it ends the transaction and lets go.</summary>
    private static async Task<NpgsqlConnection> HoldLockAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"BEGIN; SELECT pg_advisory_xact_lock({SingleChainKey})";
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    private static AuditEntry Entry(string note) =>
        new() { Actor = new AuditActor("service", "lock-test"), EventType = "test.appended", Payload = new() { ["note"] = note } };
}
