using MakerChecker.Audit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

public sealed class SqliteGateRestartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-").FullName;

    [Fact]
    public async Task A_gate_over_SQLite_rebuilds_pending_requests_and_limit_counts_after_a_restart()
    {
        var path = Path.Combine(_dir, "gate.db");
        await GateRestart.AssertStateSurvivesRestartAsync(s => s.AddSqliteAuditStore(path));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
