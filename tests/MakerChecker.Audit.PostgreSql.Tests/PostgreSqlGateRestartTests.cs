using MakerChecker.Audit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MakerChecker.Audit.PostgreSql.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlGateRestartTests(PostgresServer server)
{
    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task A_gate_over_PostgreSQL_rebuilds_pending_requests_and_limit_counts_after_a_restart()
    {
        var connectionString = await server.NewSchemaAsync();
        await GateRestart.AssertStateSurvivesRestartAsync(s => s.AddPostgreSqlAuditStore(connectionString));
    }
}
