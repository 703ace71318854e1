using MakerChecker.Audit.Testing;

namespace MakerChecker.Audit.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ManyProcessesTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task Four_processes_appending_to_one_database_leave_exactly_their_events_on_one_chain()
    {
        var connectionString = await server.NewSchemaAsync();
        var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.StoreHost.dll");
        await ManyProcesses.RunAndCheckAsync(tag => [host, "postgres", connectionString, tag, "2500", "16"], processes: 4, perProcess: 2500,
            async () => await PostgreSqlAuditStore.OpenAsync(connectionString));
    }

    [StoreFact]
    public async Task Of_four_gate_processes_executing_one_approved_request_exactly_one_runs_it()
    {
        var connectionString = await server.NewSchemaAsync();
        var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.StoreHost.dll");
        var dir = Directory.CreateTempSubdirectory("mc-pg-gates-").FullName;
        var policyFile = Path.Combine(dir, "policy.yaml");
        try
        {
            await using var store = await PostgreSqlAuditStore.OpenAsync(connectionString);
            await ManyProcesses.RunGateExecutionsAndCheckAsync((tag, policy, requestId) => [host, "postgres", connectionString, tag, "execute", policy, requestId],
                processes: 4, store, policyFile);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
