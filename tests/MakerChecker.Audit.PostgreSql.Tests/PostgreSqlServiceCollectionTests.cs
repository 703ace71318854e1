using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Testing;
using MakerChecker.Audit.Transparency;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using Microsoft.Extensions.DependencyInjection;

namespace MakerChecker.Audit.PostgreSql.Tests;

/// <summary><c>services.AddPostgreSqlAuditStore(...)</c>: one store per container, opened on first use without blocking, disposed by the container.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlServiceCollectionTests(PostgresServer server) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-pg-di-").FullName;

    public static string? StoreSkipReason => PostgresServer.SkipReason;

    [StoreFact]
    public async Task A_gate_added_with_AddMakerChecker_writes_to_the_registered_store_which_is_opened_only_when_the_gate_first_needs_it()
    {
        var connectionString = await server.NewSchemaAsync();
        var services = new ServiceCollection();
        services.AddPostgreSqlAuditStore(connectionString);
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

            var flagged = await gate.InvokeAsync("screener-bot", "coverage.flag@1", GateTestPolicy.Claim(), _ => ValueTask.CompletedTask);

            Assert.Equal(DecisionOutcome.Allowed, flagged.Outcome);
            Assert.IsType<PostgreSqlAuditStore>(await store.OpenAsync());
        }

        await using var reopened = await PostgreSqlAuditStore.OpenAsync(connectionString);
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

    [StoreFact]
    public async Task Calling_it_twice_registers_one_store_where_the_last_connection_string_wins_and_every_configure_applies()
    {
        var first = await server.NewSchemaAsync();
        var second = await server.NewSchemaAsync();
        var services = new ServiceCollection();
        services.AddPostgreSqlAuditStore(first, o => o.InstanceId = "claims-1");
        services.AddPostgreSqlAuditStore(second, o => o.MaxGroupSize = 7);

        Assert.Single(services, d => d.ServiceType == typeof(IAuditStore));
        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<IAuditStore>();
            await store.AppendAsync(Entry());
            Assert.Equal("claims-1", store.InstanceId);
        }
        await using var reopened = await PostgreSqlAuditStore.OpenAsync(second, new SqlAuditStoreOptions { InstanceId = "claims-1" });
        Assert.Equal(2, await reopened.ReadAsync().CountAsync());
    }

    [Fact]
    public void A_second_audit_store_of_another_kind_is_refused_rather_than_silently_ignored()
    {
        var services = new ServiceCollection().AddSingleton<IAuditStore>(new InMemoryAuditStore());

        var refused = Assert.Throws<InvalidOperationException>(() => services.AddPostgreSqlAuditStore("Host=localhost"));

        Assert.Contains("already registered", refused.Message, StringComparison.Ordinal);
    }

    [StoreFact]
    public async Task Disposing_the_provider_disposes_the_store_it_opened()
    {
        var services = new ServiceCollection().AddPostgreSqlAuditStore(await server.NewSchemaAsync());
        var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IAuditStore>();
        await store.AppendAsync(Entry());

        await provider.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.AppendAsync(Entry()));
    }

    private static AuditEntry Entry() => new()
    {
        Actor = new AuditActor("service", "di-test"), EventType = "test.appended", EntityType = "test", EntityId = "1", Payload = new JsonObject(),
    };

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
