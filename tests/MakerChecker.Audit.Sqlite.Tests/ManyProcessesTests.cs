using MakerChecker.Audit.Testing;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

public sealed class ManyProcessesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-").FullName;

    [Fact]
    public async Task Four_processes_appending_to_one_file_leave_exactly_their_events_on_one_chain()
    {
        var path = Path.Combine(_dir, "shared.db");
        var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.StoreHost.dll");
        await ManyProcesses.RunAndCheckAsync(tag => [host, "sqlite", path, tag, "2500", "16"], processes: 4, perProcess: 2500,
            async () => await SqliteAuditStore.OpenAsync(path));
    }

    [Fact]
    public async Task Of_four_gate_processes_executing_one_approved_request_exactly_one_runs_it()
    {
        var path = Path.Combine(_dir, "gates.db");
        var host = Path.Combine(AppContext.BaseDirectory, "MakerChecker.Audit.StoreHost.dll");
        await using var store = await SqliteAuditStore.OpenAsync(path);
        await ManyProcesses.RunGateExecutionsAndCheckAsync((tag, policy, requestId) => [host, "sqlite", path, tag, "execute", policy, requestId],
            processes: 4, store, Path.Combine(_dir, "policy.yaml"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
