using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

public sealed class SqliteAuditStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-").FullName;

    private string NewPath() => Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");

    [Fact]
    public async Task Migrations_are_recorded_once_and_reopening_applies_nothing_twice()
    {
        var path = NewPath();
        await (await SqliteAuditStore.OpenAsync(path)).DisposeAsync();
        await (await SqliteAuditStore.OpenAsync(path)).DisposeAsync();
        Assert.Equal(1L, await ScalarAsync(path, "SELECT COUNT(*) FROM audit_schema_version"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT COUNT(*) FROM audit_events"));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_a_reason()
    {
        var path = NewPath();
        await (await SqliteAuditStore.OpenAsync(path)).DisposeAsync();
        await ScalarAsync(path, "INSERT INTO audit_schema_version (version) VALUES (99)");
        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => SqliteAuditStore.OpenAsync(path));
        Assert.Contains("newer than this library knows", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Opening_another_instances_log_is_refused()
    {
        var path = NewPath();
        await (await SqliteAuditStore.OpenAsync(path, new SqlAuditStoreOptions { InstanceId = "a" })).DisposeAsync();
        var refused = await Assert.ThrowsAsync<AuditStoreException>(() => SqliteAuditStore.OpenAsync(path, new SqlAuditStoreOptions { InstanceId = "b" }));
        Assert.Contains("belongs to instance a", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Occurred_at_is_stored_as_the_exact_hashed_text()
    {
        var path = NewPath();
        await using var store = await SqliteAuditStore.OpenAsync(path);
        var appended = await store.AppendAsync(new() { Actor = new("human", "u1"), EventType = "test.recorded", Payload = [] });
        Assert.Equal(appended.OccurredAt, await ScalarAsync(path, $"SELECT occurred_at FROM audit_events WHERE seq = {appended.Seq}"));
        Assert.Equal("text", await ScalarAsync(path, $"SELECT typeof(occurred_at) FROM audit_events WHERE seq = {appended.Seq}"));
    }

    [Fact]
    public async Task Two_stores_on_one_file_share_one_chain()
    {
        var path = NewPath();
        await using var a = await SqliteAuditStore.OpenAsync(path);
        await using var b = await SqliteAuditStore.OpenAsync(path);
        Assert.Equal(a.InstanceId, b.InstanceId);
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? a : b)
            .AppendAsync(new() { Actor = new("human", "u1"), EventType = "test.recorded", Payload = new() { ["n"] = i } }).AsTask()));
        var verdict = await Verification.AuditStoreVerifier.VerifyAsync(a);
        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(201, verdict.EventCount);
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // test SQL
        command.CommandText = sql;
#pragma warning restore CA2100
        return await command.ExecuteScalarAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
