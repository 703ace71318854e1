using MakerChecker.Audit.Events;
using MakerChecker.Audit.Partitions;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// The partitioned log's one writer (<see cref="PostgreSqlPartitionCommit"/>): the groups several chains have waiting are
/// written in one transaction, each on its own chain under its own lock, and a chain whose lock another session holds
/// neither loses nor forks its events.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlPartitionCommitTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task Groups_waiting_on_several_chains_commit_in_one_transaction_each_on_its_own_chain()
    {
        var (connection, schemas) = await NewDatabaseAsync(3);
        var commit = new PostgreSqlPartitionCommit(connection, schemas, TimeSpan.FromSeconds(30));
        var stores = new List<PostgreSqlAuditStore>();
        try
        {
            for (var i = 0; i < schemas.Length; i++)
            {
                stores.Add(await commit.OpenChainAsync(i, PostgreSqlPartitionedAuditLog.ChainConnectionString(connection, PartitionedAuditLog.ChainName(i)),
                    new SqlAuditStoreOptions { InstanceId = "test/p" + i }, CancellationToken.None));
            }

            await commit.ReleaseAsync();

            // Another session holds chain p2's lock: the writer's round for p2 waits for it, and p0's and p1's groups queue meanwhile.
            await using var holder = new NpgsqlConnection(connection);
            await holder.OpenAsync();
            await using var tx = await holder.BeginTransactionAsync();
            await ExecuteAsync(holder, $"SELECT pg_advisory_xact_lock(hashtextextended('makerchecker.audit:{schemas[2]}', 0))");
            var third = stores[2].AppendAsync(Entry("c")).AsTask();
            await UntilAsync(async () => await ScalarAsync<long>(connection, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1);
            var first = stores[0].AppendAsync(Entry("a")).AsTask();
            var second = stores[1].AppendAsync(Entry("b")).AsTask();
            await UntilAsync(() => Task.FromResult(commit.Waiting == 2));
            await tx.CommitAsync();
            var events = await Task.WhenAll(first, second, third);

            // p0's and p1's events were written in one transaction (same xmin), p2's in the one before; each on its own chain.
            var xmin = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                xmin.Add(await ScalarAsync<string>(connection, $"SELECT xmin::text FROM \"{schemas[i]}\".audit_events WHERE seq = {events[i].Seq}"));
                Assert.Equal(2, events[i].Seq);
                Assert.True((await AuditStoreVerifier.VerifyAsync(stores[i])).IsValid);
            }

            Assert.Equal(xmin[0], xmin[1]);
            Assert.NotEqual(xmin[0], xmin[2]);
            Assert.Equal((2L, 3L), commit.Committed);
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }

    private static AuditEntry Entry(string note) =>
        new() { Actor = new AuditActor("service", "commit-test"), EventType = "test.appended", Payload = new() { ["note"] = note } };

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 3000 && !await condition(); i++) await Task.Delay(10);
        Assert.True(await condition(), "the writer did not reach the state the test waits for");
    }

    private async Task<(string Connection, string[] Schemas)> NewDatabaseAsync(int chains)
    {
        var database = "mc_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(server.ConnectionString, $"CREATE DATABASE {database}");
        var connection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ToString();
        var schemas = Enumerable.Range(0, chains).Select(i => PostgreSqlPartitionedAuditLog.SchemaPrefix + PartitionedAuditLog.ChainName(i)).ToArray();
        foreach (var schema in schemas) await ExecuteAsync(connection, $"CREATE SCHEMA {schema}");
        return (connection, schemas);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, sql);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
