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

    /// <summary>
    /// A request decided again because another gate moved the log's head keeps its case once: the first attempt put it,
    /// and the attempt that records the request does not put it again.
    /// </summary>
    [Fact]
    public async Task A_request_decided_again_on_a_moved_head_puts_its_case_once()
    {
        var cases = new CountingCases();
        await using var store = new MakerChecker.Audit.Stores.InMemoryAuditStore();
        var policy = BuildPolicy();
        await using var gate = new ApprovalGate(policy, store, sampleSource: () => 0.99) { PayloadStore = cases };
        await gate.InitializeAsync();
        await using var other = await ApprovalGate.CreateAsync(policy, store, sampleSource: () => 0.99);
        await other.InvokeAsync("bot", Flag, Claim(7m, "C-7"), _ => ValueTask.CompletedTask); // the head moves under gate

        var opened = await gate.InvokeAsync("bot", Deny, Claim(1250m), _ => ValueTask.CompletedTask);

        Assert.Equal(DecisionOutcome.ApprovalRequired, opened.Outcome);
        Assert.Equal(1, cases.Puts);
        var requested = 0;
        await foreach (var e in store.ReadAsync()) requested += e.EventType == "approval.requested" ? 1 : 0;
        Assert.Equal(1, requested);
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

    private sealed class CountingCases : IRequestPayloadStore
    {
        private readonly InMemoryRequestPayloadStore _inner = new();

        public int Puts { get; private set; }

        public ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default)
        {
            Puts++;
            return _inner.PutAsync(payloadDigest, canonicalJson, cancellationToken);
        }

        public ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default) =>
            _inner.GetAsync(payloadDigest, cancellationToken);
    }

    private sealed class BrokenCases : IRequestPayloadStore
    {
        public ValueTask PutAsync(string payloadDigest, ReadOnlyMemory<byte> canonicalJson, CancellationToken cancellationToken = default) =>
            throw new IOException("the case store's disk is full");

        public ValueTask<byte[]?> GetAsync(string payloadDigest, CancellationToken cancellationToken = default) => ValueTask.FromResult<byte[]?>(null);
    }
}
