using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using Microsoft.Data.Sqlite;

namespace MakerChecker.Audit.Sqlite.Tests;

/// <summary>
/// SQLite cannot hold its chain's append lock across transactions (<see cref="IAuditHeadHold"/>), and says so at once: a
/// gate asks after every third lost head, and must not queue behind the store's writer (a group waiting for the database
/// lock, up to <see cref="SqlAuditStoreOptions.LockTimeout"/>) only to hear that it cannot hold.
/// </summary>
public sealed class SqliteHeadHoldTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-hold-").FullName;

    [Fact]
    public async Task Asking_to_hold_the_head_is_answered_at_once_while_the_writer_waits_for_the_database()
    {
        var path = Path.Combine(_dir, "audit.db");
        await using var store = await SqliteAuditStore.OpenAsync(path, new SqlAuditStoreOptions { LockTimeout = TimeSpan.FromMinutes(2) });
        await using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        await other.OpenAsync();
        await using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE"; // another writer holds the database's write lock
            await begin.ExecuteNonQueryAsync();
        }

        // The store's next group waits for that lock, holding its writer's turn. Time given here only lets the group reach the
        // lock (where a hold asked for on the old code waited behind it); what is asserted does not depend on time.
        var append = store.AppendAsync(new AuditEntry { Actor = new("human", "u1"), EventType = "test.recorded", Payload = [] }).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(append.IsCompleted);

        var hold = store.HoldHeadAsync();

        Assert.True(hold.IsCompletedSuccessfully, "HoldHeadAsync waited for the writer before answering that SQLite cannot hold");
        Assert.Null(await hold);
        await using (var rollback = other.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.Equal(2, (await append.WaitAsync(TimeSpan.FromSeconds(60))).Seq);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
