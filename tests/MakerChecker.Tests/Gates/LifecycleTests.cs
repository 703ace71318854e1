using System.Diagnostics.Metrics;
using MakerChecker.Audit.Stores;
using MakerChecker.DependencyInjection;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>A gate answers only from the log it has read, takes its meter from the host, and reads its policy file once.</summary>
public class LifecycleTests
{
    [Fact]
    public async Task A_gate_that_has_not_read_its_log_refuses_queries_instead_of_answering_empty()
    {
        await using var first = new ClaimsFixture();
        var id = (await first.OpenDenialAsync()).Id;

        await using var cold = new ApprovalGate(BuildPolicy(), first.Store);
        var error = Assert.Throws<InvalidOperationException>(() => cold.GetOpenRequests());
        Assert.Contains("InitializeAsync", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => cold.GetRequest(id));
        Assert.Throws<InvalidOperationException>(() => cold.GetBreakGlassForReview());

        await using var created = await ApprovalGate.CreateAsync(BuildPolicy(), first.Store, first.Time);
        Assert.Equal(id, Assert.Single(created.GetOpenRequests()).Id);
        Assert.NotNull(created.GetRequest(id));
    }

    [Fact]
    public async Task The_gate_takes_its_meter_from_the_hosts_meter_factory_and_leaves_it_to_the_host()
    {
        using var factory = new RecordingMeterFactory();
        var services = new ServiceCollection();
        services.AddSingleton<IMeterFactory>(factory);
        services.AddMakerChecker(o => { o.Policy = BuildPolicy(); o.AuditStore = new InMemoryAuditStore(); o.TimeProvider = new FakeTimeProvider(); });
        await using (var provider = services.BuildServiceProvider())
        {
            var gate = provider.GetRequiredService<ApprovalGate>();
            var meter = Assert.Single(factory.Created);
            Assert.Same(meter, gate.Telemetry.Meter);
            Assert.Equal("MakerChecker", meter.Name);
            await gate.DisposeAsync();

            // The host's meter outlives the gate: its instruments are still published to a new listener.
            var published = 0;
            using var listener = new MeterListener { InstrumentPublished = (instrument, _) => published += ReferenceEquals(instrument.Meter, meter) ? 1 : 0 };
            listener.Start();
            Assert.True(published > 0);
        }
    }

    [Fact]
    public async Task A_policy_file_is_read_once_for_validation_and_the_gate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Policies", "claims-review.yaml")));
        try
        {
            var services = new ServiceCollection();
            services.AddMakerChecker(o => { o.PolicyPath = path; o.AuditStore = new InMemoryAuditStore(); o.TimeProvider = new FakeTimeProvider(); });
            await using var provider = services.BuildServiceProvider();

            // Validation (as at host start) reads the file; the gate built afterwards uses that read, not the file as it is now.
            _ = provider.GetRequiredService<IOptions<MakerCheckerOptions>>().Value;
            await File.WriteAllTextAsync(path, "role: [not a policy");
            var gate = provider.GetRequiredService<ApprovalGate>();
            Assert.Equal("claims-review", gate.Policy.Name);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class RecordingMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var m in Created) m.Dispose();
        }
    }
}
