using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Verification;
using Npgsql;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary>
/// A store whose connections the server ended (a restart, an administrator, a failover) goes on: the next append and
/// the next read run on new connections. The server ends them here with <c>pg_terminate_backend</c>, waiting until they are gone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlReconnectTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task An_append_after_the_server_ended_the_writers_connection_is_written_on_a_new_connection()
    {
        var (connectionString, application) = await NamedSchemaAsync();
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        Assert.Equal(2, (await store.AppendAsync(Entry("before"))).Seq);

        Assert.True(await TerminateAsync(application) > 0);

        Assert.Equal(3, (await store.AppendAsync(Entry("after"))).Seq);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(3, verdict.EventCount);
    }

    [StoreFact]
    public async Task A_read_after_the_server_ended_the_pooled_connections_is_answered_on_a_new_connection()
    {
        var (connectionString, application) = await NamedSchemaAsync();
        await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
        await store.AppendAsync(Entry("before"));
        Assert.Equal(2, await CountAsync(store)); // leaves the read's connection idle in the pool

        Assert.True(await TerminateAsync(application) > 0);

        Assert.Equal(2, await CountAsync(store));
    }

    /// <summary>A new schema, and a connection string whose sessions carry an application name of their own.</summary>
    private async Task<(string ConnectionString, string Application)> NamedSchemaAsync()
    {
        var application = "mc-reconnect-" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(await server.NewSchemaAsync()) { ApplicationName = application };
        return (builder.ConnectionString, application);
    }

    /// <summary>Ends every session of <paramref name="application"/> and waits (up to 60 s each) until it has exited.</summary>
    private async Task<int> TerminateAsync(string application)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            // OFFSET 0 keeps the filter from being merged into the outer query, which could then end sessions it did not select.
            "SELECT count(pg_terminate_backend(pid, 60000)) FROM (SELECT pid FROM pg_stat_activity WHERE application_name = $1 OFFSET 0) named",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = application });
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> CountAsync(IAuditStore store)
    {
        var count = 0;
        await foreach (var _ in store.ReadAsync(1)) count++;
        return count;
    }

    /// <summary>A plain event whose entity id is <paramref name="id"/>.</summary>
    internal static AuditEntry Entry(string id) => new()
    {
        Actor = new AuditActor("agent", "store-test"),
        EventType = "test.recorded",
        EntityType = "test",
        EntityId = id,
        Payload = new JsonObject { ["id"] = id },
    };
}
