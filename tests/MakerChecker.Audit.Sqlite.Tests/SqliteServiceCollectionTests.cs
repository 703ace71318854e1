using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Sqlite;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Transparency;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Sqlite.Tests;

/// <summary><c>services.AddSqliteAuditStore(...)</c>: one store per container, opened on first use without blocking, disposed by the container.</summary>
public sealed class SqliteServiceCollectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-sqlite-di-").FullName;

    [Fact]
    public async Task A_gate_added_with_AddMakerChecker_writes_to_the_registered_store_which_is_opened_only_when_the_gate_first_needs_it()
    {
        var path = Path.Combine(_dir, "audit.db");
        var services = new ServiceCollection();
        services.AddSqliteAuditStore(path);
        services.AddMakerChecker(o =>
        {
            o.Policy = GateTestPolicy.Load();
            o.Checkpoints.KeyPath = NewKey(_dir);
            o.Checkpoints.FilePrefix = Path.Combine(_dir, "audit");
        });
        await using (var provider = services.BuildServiceProvider())
        {
            var gate = provider.GetRequiredService<ApprovalGate>();
            var store = Assert.IsType<DeferredAuditStore>(provider.GetRequiredService<IAuditStore>());
            Assert.False(store.IsOpen);
            Assert.False(File.Exists(path));

            var flagged = await gate.InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), _ => ValueTask.CompletedTask);

            Assert.Equal(DecisionOutcome.Allowed, flagged.Outcome);
            Assert.True(store.IsOpen);
            Assert.IsType<SqliteAuditStore>(await store.OpenAsync());
        }

        await using var reopened = await SqliteAuditStore.OpenAsync(path);
        var types = await reopened.ReadAsync().Select(e => e.EventType).ToListAsync();
        Assert.Contains("policy.activated", types);
        Assert.Contains("decision.allowed", types);
        // Checkpointed by default: closing the gate signed a checkpoint of every event, kept beside the prefix.
        using var signer = Ed25519KeyFile.LoadSigner(Path.Combine(_dir, "makerchecker.key"));
        var vkey = NoteVerifierKey.FromEd25519("makerchecker.audit/" + reopened.InstanceId, signer.PublicKey.Span);
        using var history = CheckpointHistory.Open(Path.Combine(_dir, "audit" + CheckpointedAuditStore.HistoryFileSuffix), vkey);
        Assert.Equal(types.Count, history.Latest!.Checkpoint.Size);
    }

    private static string NewKey(string dir)
    {
        var key = Path.Combine(dir, "makerchecker.key");
        Ed25519KeyFile.Create(key, Path.Combine(dir, "makerchecker.pub.pem"));
        return key;
    }

    [Fact]
    public async Task A_store_the_container_owns_is_checkpointed_by_the_gate_and_closed_once_without_error()
    {
        var path = Path.Combine(_dir, "owned.db");
        var services = new ServiceCollection().AddSingleton<IAuditStore>(await SqliteAuditStore.OpenAsync(path));
        services.AddMakerChecker(o =>
        {
            o.Policy = GateTestPolicy.Load();
            o.Checkpoints.KeyPath = NewKey(_dir);
            o.Checkpoints.FilePrefix = path;
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ApprovalGate>().InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), _ => ValueTask.CompletedTask);

        await provider.DisposeAsync(); // the gate closes its checkpointed wrapper (a last checkpoint), then the container the store

        Assert.True(File.Exists(path + CheckpointedAuditStore.HistoryFileSuffix));
    }

    [Fact]
    public async Task Calling_it_twice_registers_one_store_where_the_last_path_wins_and_every_configure_applies()
    {
        var first = Path.Combine(_dir, "first.db");
        var second = Path.Combine(_dir, "second.db");
        var services = new ServiceCollection();
        services.AddSqliteAuditStore(first, o => o.InstanceId = "claims-1");
        services.AddSqliteAuditStore(second, o => o.MaxGroupSize = 7);

        Assert.Single(services, d => d.ServiceType == typeof(IAuditStore));
        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IAuditStore>();
            await store.AppendAsync(Entry());
            Assert.Equal("claims-1", store.InstanceId);
        }
        Assert.False(File.Exists(first));
        await using var reopened = await SqliteAuditStore.OpenAsync(second, new SqlAuditStoreOptions { InstanceId = "claims-1" });
        Assert.Equal(2, await reopened.ReadAsync().CountAsync());
    }

    [Fact]
    public async Task The_store_uses_the_containers_clock_when_one_is_registered()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddSqliteAuditStore(Path.Combine(_dir, "clock.db"));
        await using var provider = services.BuildServiceProvider();

        var appended = await provider.GetRequiredService<IAuditStore>().AppendAsync(Entry());

        Assert.Equal("2026-11-23T09:00:00.000Z", appended.OccurredAt);
    }

    [Fact]
    public void A_second_audit_store_of_another_kind_is_refused_rather_than_silently_ignored()
    {
        var services = new ServiceCollection().AddSingleton<IAuditStore>(new InMemoryAuditStore());

        var refused = Assert.Throws<InvalidOperationException>(() => services.AddSqliteAuditStore(Path.Combine(_dir, "x.db")));

        Assert.Contains("already registered", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_provider_disposes_the_store_it_opened()
    {
        var services = new ServiceCollection().AddSqliteAuditStore(Path.Combine(_dir, "disposed.db"));
        var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IAuditStore>();
        await store.AppendAsync(Entry());

        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.AppendAsync(Entry()));
    }

    private static AuditEntry Entry() => new()
    {
        Actor = new AuditActor("service", "di-test"), EventType = "test.appended", EntityType = "test", EntityId = "1",
        Payload = new System.Text.Json.Nodes.JsonObject(),
    };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
