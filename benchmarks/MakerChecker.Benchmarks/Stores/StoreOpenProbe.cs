using System.Diagnostics;
using System.Globalization;
using MakerChecker.Audit.PostgreSql;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.Benchmarks.Audit;
using Npgsql;

namespace MakerChecker.Benchmarks.Stores;

/// <summary>
/// What opening a durable store costs as its history grows (docs/performance.md, "Opening a store"): wall time and the
/// managed memory the open store holds, for the bare store and for it under <see cref="CheckpointedAuditStore"/>.
/// </summary>
/// <remarks>
/// <para><c>store-open build KIND COUNT DIR</c> writes a checkpointed log of COUNT events (plus the genesis) once, as a
/// gate would (64 concurrent writers, a checkpoint every 1,000 events), with its key in DIR; KIND is <c>file</c>,
/// <c>sqlite</c> or <c>postgres</c> (PostgreSQL: the server in MAKERCHECKER_BENCH_POSTGRES, schema named after DIR).</para>
/// <para><c>store-open measure KIND DIR</c> opens it in this fresh process: the bare store, then the checkpointed one,
/// each after a warm-up open of a tiny log of the same kind (so JIT is not counted), reporting time and the growth of
/// <see cref="GC.GetTotalMemory(bool)"/> (after a full collection) while the store is held open.</para>
/// </remarks>
internal static class StoreOpenProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["store-open", "build", var kind, var count, var dir]:
                await BuildAsync(kind, int.Parse(count, CultureInfo.InvariantCulture), dir, checkpointed: true);
                return 0;
            case ["store-open", "measure", var kind, var dir]:
                await MeasureAsync(kind, dir);
                return 0;
            default:
                Console.Error.WriteLine("usage: store-open build file|sqlite|postgres COUNT DIR | store-open measure file|sqlite|postgres DIR");
                return 2;
        }
    }

    private static async Task BuildAsync(string kind, int count, string dir, bool checkpointed)
    {
        Directory.CreateDirectory(dir);
        var key = Path.Combine(dir, "probe.key");
        if (!File.Exists(key))
        {
            Ed25519KeyFile.Create(key, Path.Combine(dir, "probe.pub.pem"));
        }

        using var signer = Ed25519KeyFile.LoadSigner(key);
        var watch = Stopwatch.StartNew();
        IAuditStore store = await OpenInnerAsync(kind, dir, create: true);
        if (checkpointed)
        {
            store = await CheckpointedAuditStore.OpenAsync(store, Options(kind, dir, signer));
        }

        await using (store)
        {
            const int Writers = 64;
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
                {
                    await store.AppendAsync(ClaimsReviewBundle.Entry(i));
                }
            })));
        }

        Console.WriteLine($"built {kind} {count} events in {watch.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task MeasureAsync(string kind, string dir)
    {
        using var signer = Ed25519KeyFile.LoadSigner(Path.Combine(dir, "probe.key"));
        var warm = Path.Combine(dir, "warm");
        if (!Directory.Exists(warm))
        {
            await BuildAsync(kind, 10, warm, checkpointed: true);
        }

        foreach (var checkpointed in new[] { false, true })
        {
            using var warmSigner = Ed25519KeyFile.LoadSigner(Path.Combine(warm, "probe.key"));
            await using (await OpenAsync(kind, warm, warmSigner, checkpointed))
            {
            }

            var before = GC.GetTotalMemory(forceFullCollection: true);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            var store = await OpenAsync(kind, dir, signer, checkpointed);
            watch.Stop();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var held = GC.GetTotalMemory(forceFullCollection: true) - before;
            var size = store is CheckpointedAuditStore c ? c.TreeSize : await LastSeqAsync(store);
            Console.WriteLine(
                $"{kind,-8} {(checkpointed ? "checkpointed" : "bare"),-12} {size,9} events  open {watch.Elapsed.TotalMilliseconds,9:F1} ms  " +
                $"managed held {held / 1024.0 / 1024.0,7:F2} MB  allocated during open {allocated / 1024.0 / 1024.0,8:F1} MB");
            GC.KeepAlive(store);
            await store.DisposeAsync();
        }
    }

    private static async Task<long> LastSeqAsync(IAuditStore store) =>
        store is FileAuditStore file ? file.OpenVerdict.EventCount : await store.ReadAsync(1).CountAsync();

    private static async Task<IAuditStore> OpenAsync(string kind, string dir, IAuditSigner signer, bool checkpointed)
    {
        var inner = await OpenInnerAsync(kind, dir, create: false);
        return checkpointed ? await CheckpointedAuditStore.OpenAsync(inner, Options(kind, dir, signer)) : inner;
    }

    private static CheckpointedAuditStoreOptions Options(string kind, string dir, IAuditSigner signer) => new()
    {
        Signer = signer,
        FilePrefix = kind == "file" ? null : Path.Combine(dir, "audit." + kind),
        CheckpointEveryEvents = 1000,
    };

    private static async Task<IAuditStore> OpenInnerAsync(string kind, string dir, bool create)
    {
        switch (kind)
        {
            case "file":
                return await FileAuditStore.OpenAsync(Path.Combine(dir, "audit.jsonl"));
            case "sqlite":
                return await SqliteAuditStore.OpenAsync(Path.Combine(dir, "audit.db"));
            case "postgres":
                var server = Environment.GetEnvironmentVariable(BenchmarkStores.PostgresVariable)
                    ?? throw new InvalidOperationException($"Set {BenchmarkStores.PostgresVariable} to a PostgreSQL connection string.");
                var schema = "mc_open_" + Path.GetFileName(Path.GetFullPath(dir)).Replace('-', '_');
                if (create)
                {
                    await using var connection = new NpgsqlConnection(server);
                    await connection.OpenAsync();
                    await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // a schema name made from the probe's own directory name
                    command.CommandText = $"CREATE SCHEMA IF NOT EXISTS {schema}";
#pragma warning restore CA2100
                    await command.ExecuteNonQueryAsync();
                }

                return await PostgreSqlAuditStore.OpenAsync(new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ToString());
            default:
                throw new ArgumentException($"Unknown store kind '{kind}': file, sqlite or postgres.", nameof(kind));
        }
    }
}
