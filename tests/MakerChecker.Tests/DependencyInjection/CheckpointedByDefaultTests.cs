using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Transparency;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.DependencyInjection;

/// <summary>
/// The log a gate from <c>AddMakerChecker</c> writes is signed as it is written: a durable store is a checkpointed one,
/// signed with the app's key every N events and T seconds, unless the app opts out in so many words.
/// </summary>
public sealed class CheckpointedByDefaultTests : IDisposable
{
    private const string Origin = "claims.example/audit";
    private readonly string _dir = Directory.CreateTempSubdirectory("mc-ckpt-di-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    private string Log => Path.Combine(_dir, "audit.jsonl");

    private string KeyPath => Path.Combine(_dir, "makerchecker.key");

    [Fact]
    public async Task A_gate_over_a_log_file_signs_a_checkpoint_once_N_events_have_been_written()
    {
        Ed25519KeyFile.Create(KeyPath, Path.Combine(_dir, "makerchecker.pub.pem"));
        await using var provider = Build(o => o.CheckpointEveryEvents = 3);
        var gate = provider.GetRequiredService<ApprovalGate>();

        await gate.InitializeAsync(); // the log's genesis and policy.activated: 2 events, nothing signed yet
        Assert.Equal(2, EventCount());
        Assert.Null(await LatestCheckpointAsync());
        await FlagAsync(gate, 1); // the decision and the action's outcome: the third event is due for a checkpoint

        var signed = await LatestCheckpointAsync();
        Assert.NotNull(signed);
        Assert.Equal((3, 4), (signed.Checkpoint.Size, EventCount()));
        Assert.Equal(Origin, signed.Checkpoint.Origin);
    }

    [Fact]
    public async Task The_container_resolves_the_gates_log_as_a_checkpointed_store_that_signs_on_demand_and_exports_its_checkpoints()
    {
        Ed25519KeyFile.Create(KeyPath, Path.Combine(_dir, "makerchecker.pub.pem"));
        await using var provider = Build();
        var gate = provider.GetRequiredService<ApprovalGate>();
        await FlagAsync(gate, 1);
        var log = provider.GetRequiredService<GateAuditLog>();

        var store = await log.GetCheckpointedStoreAsync();
        Assert.NotNull(store);
        Assert.Equal(Origin, store.VerifierKey.Name);
        Assert.Null(store.LatestCheckpoint);
        var signed = await log.CheckpointAsync();
        Assert.Equal((EventCount(), signed.NoteText), (signed.Checkpoint.Size, (await LatestCheckpointAsync())!.NoteText));

        using var signer = Ed25519KeyFile.LoadSigner(KeyPath);
        using var bundle = new MemoryStream();
        await BundleExporter.ExportFullAsync(store, signer, bundle, _time);
        Assert.Contains("\"transparency\"", System.Text.Encoding.UTF8.GetString(bundle.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_in_memory_log_is_not_checkpointed_and_needs_no_key()
    {
        await using var provider = new ServiceCollection()
            .AddMakerChecker(o => { o.Policy = ClaimsFixture.BuildPolicy(); o.AuditStoreFactory = _ => new InMemoryAuditStore(); }).BuildServiceProvider();
        await FlagAsync(provider.GetRequiredService<ApprovalGate>(), 1);
        var log = provider.GetRequiredService<GateAuditLog>();

        Assert.Null(await log.GetCheckpointedStoreAsync());
        Assert.Contains("not checkpointed", (await Assert.ThrowsAsync<InvalidOperationException>(async () => await log.CheckpointAsync())).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gate_signs_a_checkpoint_once_the_interval_has_passed_with_new_events()
    {
        Ed25519KeyFile.Create(KeyPath, Path.Combine(_dir, "makerchecker.pub.pem"));
        await using var provider = Build(o => o.CheckpointInterval = TimeSpan.FromSeconds(30));
        var gate = provider.GetRequiredService<ApprovalGate>();
        await FlagAsync(gate, 2);
        Assert.Null(await LatestCheckpointAsync());

        _time.Advance(TimeSpan.FromSeconds(30)); // the store's timer fires on the fake clock

        var signed = await WaitForCheckpointAsync();
        Assert.Equal(EventCount(), signed.Checkpoint.Size);
    }

    [Fact]
    public async Task Disposing_the_container_signs_a_last_checkpoint_of_every_event()
    {
        Ed25519KeyFile.Create(KeyPath, Path.Combine(_dir, "makerchecker.pub.pem"));
        await using (var provider = Build())
        {
            await FlagAsync(provider.GetRequiredService<ApprovalGate>(), 4);
        }

        Assert.Equal(EventCount(), (await LatestCheckpointAsync())!.Checkpoint.Size);
    }

    [Fact]
    public async Task A_durable_log_without_a_key_stops_the_app_at_start_naming_the_option_and_the_command_that_makes_one()
    {
        await using var provider = Build(keyPath: null);

        var refused = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<ApprovalGate>);

        Assert.Contains("MakerCheckerOptions.Checkpoints.KeyPath is not set", refused.Message, StringComparison.Ordinal);
        Assert.Contains("makerchecker keygen --out keys", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Checkpoints.Enabled = false", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Log));
    }

    [Fact]
    public async Task A_missing_or_malformed_key_file_stops_the_app_at_start()
    {
        await using (var missing = Build())
        {
            var refused = Assert.Throws<OptionsValidationException>(missing.GetRequiredService<ApprovalGate>);
            Assert.Contains($"KeyPath '{KeyPath}' does not exist", refused.Message, StringComparison.Ordinal);
        }

        var publicKey = Path.Combine(_dir, "makerchecker.pub.pem");
        Ed25519KeyFile.Create(Path.Combine(_dir, "other.key"), publicKey);
        await using var wrongFile = Build(keyPath: publicKey);
        var malformed = Assert.Throws<OptionsValidationException>(wrongFile.GetRequiredService<ApprovalGate>);
        Assert.Contains("MakerCheckerOptions.Checkpoints.KeyPath", malformed.Message, StringComparison.Ordinal);
        Assert.Contains("not an Ed25519 PKCS#8 PEM private key", malformed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_durable_store_from_a_factory_without_a_key_is_refused_when_the_gate_opens_it()
    {
        var services = new ServiceCollection().AddMakerChecker(o =>
        {
            o.Policy = ClaimsFixture.BuildPolicy();
            o.AuditStoreFactory = _ => new DeferredAuditStore(async ct => await FileAuditStore.OpenAsync(Log, cancellationToken: ct));
        });
        await using var provider = services.BuildServiceProvider();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await provider.GetRequiredService<ApprovalGate>().InitializeAsync());

        Assert.Contains("MakerCheckerOptions.Checkpoints.KeyPath is not set", refused.Message, StringComparison.Ordinal);
        Assert.Contains("FileAuditStore", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_owned_durable_store_that_nothing_signs_is_refused_unless_the_app_opts_out()
    {
        await using var owned = await FileAuditStore.OpenAsync(Log);
        await using (var provider = new ServiceCollection()
            .AddMakerChecker(o => { o.Policy = ClaimsFixture.BuildPolicy(); o.AuditStore = owned; }).BuildServiceProvider())
        {
            var refused = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<ApprovalGate>);
            Assert.Contains("MakerCheckerOptions.AuditStore is a FileAuditStore that nothing signs", refused.Message, StringComparison.Ordinal);
        }

        await using var optedOut = new ServiceCollection()
            .AddMakerChecker(o => { o.Policy = ClaimsFixture.BuildPolicy(); o.AuditStore = owned; o.Checkpoints.Enabled = false; }).BuildServiceProvider();
        await FlagAsync(optedOut.GetRequiredService<ApprovalGate>(), 1);
        Assert.Equal(4, await owned.ReadAsync().CountAsync());
    }

    [Fact]
    public async Task Opting_out_writes_the_log_without_checkpoints()
    {
        await using (var provider = Build(o => o.Enabled = false, keyPath: null))
        {
            await FlagAsync(provider.GetRequiredService<ApprovalGate>(), 2);
        }

        Assert.Equal(6, EventCount());
        Assert.False(File.Exists(Log + CheckpointedAuditStore.HistoryFileSuffix));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ServiceProvider Build(Action<AuditCheckpointOptions>? checkpoints = null, string? keyPath = "")
    {
        var services = new ServiceCollection().AddMakerChecker(o =>
        {
            o.Policy = ClaimsFixture.BuildPolicy();
            o.AuditLogPath = Log;
            o.TimeProvider = _time;
            o.Checkpoints.KeyPath = keyPath == "" ? KeyPath : keyPath;
            o.Checkpoints.Origin = Origin;
            checkpoints?.Invoke(o.Checkpoints);
        });
        return services.BuildServiceProvider();
    }

    private int EventCount() => File.ReadAllLines(Log).Length;

    private static async Task FlagAsync(ApprovalGate gate, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await gate.InvokeAsync("bot", ClaimsFixture.Flag, ClaimsFixture.Claim(), _ => ValueTask.CompletedTask);
        }
    }

    /// <summary>The latest checkpoint in the history beside the log, checked under the app's public key, read as an inspector would.</summary>
    private async Task<SignedCheckpoint?> LatestCheckpointAsync()
    {
        using var signer = Ed25519KeyFile.LoadSigner(KeyPath);
        await using var inner = await FileAuditStore.OpenReadOnlyAsync(Log);
        var options = new CheckpointedAuditStoreOptions { VerifierKey = NoteVerifierKey.FromEd25519(Origin, signer.PublicKey.Span) };
        await using var store = await CheckpointedAuditStore.OpenReadOnlyAsync(inner, options);
        Assert.True(store.OpenReport.Extends, store.OpenReport.Failure);
        return store.LatestCheckpoint;
    }

    private async Task<SignedCheckpoint> WaitForCheckpointAsync()
    {
        // The timer's signature runs on the thread pool; wait for its effect (bounded, so a missing checkpoint fails rather than hangs).
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (await LatestCheckpointAsync() is { } signed) return signed;
            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException("no checkpoint was signed after the interval passed");
    }
}
