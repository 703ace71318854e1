using MakerChecker.Audit.Payloads;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>A gate with a case store keeps each request's payload, under its digest, before it records the request.</summary>
public class CaseStoreTests
{
    [Fact]
    public async Task The_payload_of_an_opened_request_reads_back_verified_and_allowed_invocations_keep_nothing()
    {
        var cases = new InMemoryRequestPayloadStore();
        var store = new FaultyAuditStore();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        await using var gate = new ApprovalGate(BuildPolicy(), store, time, sampleSource: () => 0.99) { PayloadStore = cases };
        var opened = await gate.InvokeAsync("bot", Deny, Claim(1250m), _ => ValueTask.CompletedTask);
        var read = await RequestPayloads.ReadAsync(cases, opened.Request!.PayloadDigest);
        Assert.Equal(RequestPayloadStatus.Verified, read.Status);
        Assert.Equal(1250m, read.Payload!["claim"]!["amount"]!.GetValue<decimal>());

        var allowed = await gate.InvokeAsync("bot", Flag, Claim(7m, "C-7"), _ => ValueTask.CompletedTask);
        Assert.Equal(ReasonCodes.Allowed, allowed.ReasonCode);
        Assert.Null(await cases.GetAsync(PayloadDigest.Compute(Claim(7m, "C-7"))));
    }

    [Fact]
    public async Task When_the_case_store_fails_no_request_is_opened()
    {
        var store = new FaultyAuditStore();
        await using var gate = new ApprovalGate(BuildPolicy(), store, sampleSource: () => 0.99) { PayloadStore = new BrokenCases() };
        await gate.InitializeAsync();
        var before = store.Events.Count;
        await Assert.ThrowsAsync<IOException>(async () => await gate.InvokeAsync("bot", Deny, Claim(), _ => ValueTask.CompletedTask));
        Assert.Equal(before, store.Events.Count);
        Assert.Empty(gate.GetOpenRequests());
    }

    [Fact]
    public async Task AddMakerChecker_gives_the_gate_the_registered_case_store()
    {
        var cases = new InMemoryRequestPayloadStore();
        var services = new ServiceCollection()
            .AddSingleton<IRequestPayloadStore>(cases)
            .AddMakerChecker(o => (o.Policy, o.AuditStore) = (BuildPolicy(), new MakerChecker.Audit.Stores.InMemoryAuditStore()));
        await using var provider = services.BuildServiceProvider();
        Assert.Same(cases, provider.GetRequiredService<ApprovalGate>().PayloadStore);
    }

    private sealed class BrokenCases : IRequestPayloadStore
    {
        public ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default) =>
            throw new IOException("the case store's disk is full");

        public ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default) => ValueTask.FromResult<byte[]?>(null);
    }
}
