using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using Microsoft.Data.Sqlite;
using static MakerChecker.Cli.Tests.CheckpointedLogs;

namespace MakerChecker.Cli.Tests;

/// <summary>
/// The CLI reads a log an application is appending to, and never blocks it: it takes no lock the writer takes. Asserted
/// by behaviour, not by timing: appends with a short lock timeout succeed while a read is held open mid-way, and an
/// application appending all along never fails while the CLI verifies and exports.
/// </summary>
public sealed class ConcurrentAppendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-cli-concurrent-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Appends_to_sqlite_succeed_while_a_read_only_read_is_held_open_mid_way()
    {
        var db = Path.Combine(_dir, "audit.db");
        var writerOptions = new SqlAuditStoreOptions { LockTimeout = TimeSpan.FromSeconds(2) };
        await using var writer = await SqliteAuditStore.OpenAsync(db, writerOptions);
        for (var i = 0; i < 20; i++) await writer.AppendAsync(Entry(i));

        await using var reader = await SqliteAuditStore.OpenReadOnlyAsync(db);
        await using var events = reader.ReadAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync()); // a read transaction is open on the database now

        for (var i = 20; i < 30; i++) await writer.AppendAsync(Entry(i)); // would time out if the reader held the write lock
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.AppendAsync(Entry(99)));

        var read = 1;
        while (await events.MoveNextAsync()) read++;
        Assert.Equal(21, read); // one snapshot: the 10 appended meanwhile are not part of this read
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("file")]
    public async Task An_app_appending_all_along_is_never_blocked_while_the_cli_verifies_and_exports(string kind)
    {
        var (key, pub) = (Path.Combine(_dir, "key.pem"), Path.Combine(_dir, "key.pub.pem"));
        Ed25519KeyFile.Create(key, pub);
        var path = Path.Combine(_dir, kind == "sqlite" ? "audit.db" : "audit.jsonl");
        IAuditStore store = kind == "sqlite"
            ? await SqliteAuditStore.OpenAsync(path, new SqlAuditStoreOptions { LockTimeout = TimeSpan.FromSeconds(2) })
            : await FileAuditStore.OpenAsync(path);
        var log = kind == "sqlite" ? "sqlite:" + path : path;
        await using (store)
        {
            for (var i = 0; i < 50; i++) await store.AppendAsync(Entry(i));
            using var stop = new CancellationTokenSource();
            var appended = new int[1];
            var app = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await store.AppendAsync(Entry(1000 + Volatile.Read(ref appended[0])));
                    Interlocked.Increment(ref appended[0]);
                }
            });

            // The app is appending before the first command starts (an append's fsync can outlast all six commands).
            await WaitForAppendsAsync(appended, 0, app);
            var results = new List<(int Exit, string Output, string Error)>();
            for (var round = 0; round < 3; round++)
            {
                results.Add(await CliRunner.RunAsync("audit", "verify", log));
                results.Add(await CliRunner.RunAsync("audit", "export", log, "--key", key, "--out", Path.Combine(_dir, $"bundle-{round}.json")));
            }

            // ... and goes on appending after them: nothing the commands did left its lock held.
            await WaitForAppendsAsync(appended, Volatile.Read(ref appended[0]), app);
            await stop.CancelAsync();
            await app; // an append that failed (a lock timeout) would throw here
            Assert.All(results, r => Assert.True(r.Exit == 0, r.Error + r.Output));
            var (exit, output, _) = await CliRunner.RunAsync("audit", "verify", Path.Combine(_dir, "bundle-2.json"), "--key", pub);
            Assert.True(exit == 0, output);
        }

        var (finalExit, finalOutput, _) = await CliRunner.RunAsync("audit", "verify", log);
        Assert.True(finalExit == 0, finalOutput); // and the log the app wrote meanwhile is whole
    }

    /// <summary>Waits until the app has appended more than <paramref name="seen"/> events; fails if it stopped (threw) or is stuck for 30 s.</summary>
    private static async Task WaitForAppendsAsync(int[] appended, int seen, Task app)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref appended[0]) <= seen)
        {
            if (app.IsCompleted) await app; // surfaces the append's exception
            Assert.False(deadline.IsCompleted, $"the app appended nothing after {seen} events for 30 s: it is blocked");
            await Task.Delay(5);
        }
    }
}
