using MakerChecker.Audit.Stores;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.DependencyInjection;

public class AddMakerCheckerTests
{
    private const string Yaml = """
        role: claims-screener
        grants:
          - skill: coverage.flag@1
        forbidden:
          - skill: coverage.deny
        ---
        role: medical-reviewer
        grants:
          - skill: coverage.deny@1
            risk: high
            gate:
              approvers: 1
              forbid_requester: true
              min_review: 30s
        ---
        principals:
          - id: screener-bot
            kind: agent
            role: claims-screener
            owner: dr-a
          - id: dr-a
            kind: human
            role: medical-reviewer
          - id: dr-b
            kind: human
            role: medical-reviewer
        """;

    [Fact]
    public async Task The_gate_comes_from_a_policy_file_a_store_and_a_clock()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, Yaml);
        try
        {
            var store = new InMemoryAuditStore();
            var time = new FakeTimeProvider();
            var services = new ServiceCollection();
            services.AddMakerChecker(o => { o.PolicyPath = path; o.AuditStore = store; o.TimeProvider = time; });
            services.AddMakerChecker(o => o.AuditStore = store);
            await using var provider = services.BuildServiceProvider();

            var gate = provider.GetRequiredService<ApprovalGate>();
            Assert.Same(gate, provider.GetRequiredService<ApprovalGate>());
            Assert.Single(services, d => d.ServiceType == typeof(ApprovalGate));
            var ran = false;
            var result = await gate.InvokeAsync("screener-bot", "coverage.flag@1", ClaimsFixture.Claim(), _ => { ran = true; return ValueTask.CompletedTask; });
            Assert.Equal(DecisionOutcome.Allowed, result.Outcome);
            Assert.True(ran);
            Assert.Equal(ReasonCodes.SkillForbidden, (await gate.InvokeAsync("screener-bot", "coverage.deny@1", ClaimsFixture.Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
            Assert.EndsWith(".yaml:3", result.Rule.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_store_from_a_factory_or_the_container_is_used()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAuditStore>(new InMemoryAuditStore());
        services.AddMakerChecker(o => o.Policy = ClaimsFixture.BuildPolicy());
        await using var provider = services.BuildServiceProvider();
        Assert.False((await provider.GetRequiredService<ApprovalGate>().InvokeAsync("bot", ClaimsFixture.Flag, ClaimsFixture.Claim(), _ => ValueTask.CompletedTask)).IsRefused);

        var factoryServices = new ServiceCollection();
        var made = 0;
        factoryServices.AddMakerChecker(o => { o.Policy = ClaimsFixture.BuildPolicy(); o.AuditStoreFactory = _ => { made++; return new InMemoryAuditStore(); }; });
        await using var factoryProvider = factoryServices.BuildServiceProvider();
        factoryProvider.GetRequiredService<ApprovalGate>();
        factoryProvider.GetRequiredService<ApprovalGate>();
        Assert.Equal(1, made);
    }

    [Fact]
    public void Invalid_options_fail_with_what_to_fix()
    {
        var none = new ServiceCollection().AddMakerChecker(o => o.AuditStore = new InMemoryAuditStore()).BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => none.GetRequiredService<ApprovalGate>());
        Assert.Contains("PolicyPath", e.Message, StringComparison.Ordinal);

        var path = Path.Combine(Path.GetTempPath(), $"mc-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "role: r\ngrants:\n  - skill: not a skill\n");
        try
        {
            var broken = new ServiceCollection().AddMakerChecker(o => { o.PolicyPath = path; o.AuditStore = new InMemoryAuditStore(); }).BuildServiceProvider();
            var b = Assert.Throws<OptionsValidationException>(() => broken.GetRequiredService<ApprovalGate>());
            Assert.Contains("MC1010", b.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        var noStore = new ServiceCollection().AddMakerChecker(o => o.Policy = ClaimsFixture.BuildPolicy()).BuildServiceProvider();
        Assert.Contains("audit store", Assert.Throws<InvalidOperationException>(() => noStore.GetRequiredService<ApprovalGate>()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registered_store_that_opens_asynchronously_is_opened_by_the_gates_initialization_without_blocking_a_thread()
    {
        var open = new TaskCompletionSource<IAuditStore>(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = new ServiceCollection();
        services.AddSingleton<IAuditStore>(new DeferredAuditStore(_ => new ValueTask<IAuditStore>(open.Task)));
        services.AddMakerChecker(o => o.Policy = ClaimsFixture.BuildPolicy());
        await using var provider = services.BuildServiceProvider();

        var gate = provider.GetRequiredService<ApprovalGate>();
        var initializing = gate.InitializeAsync().AsTask();

        Assert.False(initializing.IsCompleted);
        var log = new InMemoryAuditStore();
        open.SetResult(log);
        await initializing;
        var flagged = await gate.InvokeAsync("bot", ClaimsFixture.Flag, ClaimsFixture.Claim(), _ => ValueTask.CompletedTask);
        Assert.Equal(DecisionOutcome.Allowed, flagged.Outcome);
        Assert.Contains(await log.ReadAsync().ToListAsync(), e => e.EventType == "decision.allowed");
    }
}
