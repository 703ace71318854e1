using System.Text.Json.Nodes;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Auditing.Events;
using MakerChecker.Gates;
using MakerChecker.Review;
using MakerChecker.Tests.Auditing;
using MakerChecker.Tests.Support;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>What a gate and the review reader do with events they cannot read: skip other components' types, refuse malformed ones of their own.</summary>
public class ReplayMalformedEventTests
{
    private static AuditEntry Raw(string eventType, JsonObject payload, string entityType = AuditEventWriter.RequestEntity) =>
        new() { Actor = new AuditActor("service", "elsewhere"), EventType = eventType, EntityType = entityType, EntityId = "r-1", Payload = payload };

    [Fact]
    public async Task A_gate_replays_past_other_components_events_whatever_their_payload()
    {
        var store = new FaultyAuditStore();
        await store.AppendAsync(Raw("inbox.viewed", new JsonObject { ["requestId"] = 7, ["policyHash"] = null }));
        await store.AppendAsync(Raw("approval.decided.v2", []));
        await using var f = new ClaimsFixture(store: store);

        await f.Gate.InitializeAsync();

        Assert.Equal(AuditEventTypes.PolicyActivated, store.Events[^1].EventType);
        Assert.Empty(ReviewEvidenceReader.Read(store.Events).SignOffs);
    }

    [Theory]
    [InlineData("requiredApprovals", "missing")]
    [InlineData("requestedAt", "'last tuesday', but must be a UTC ISO 8601 time")]
    [InlineData("sampled", "'no', but must be true or false")]
    public async Task A_malformed_gate_event_stops_the_replay_with_an_error_naming_seq_and_field(string field, string problem)
    {
        var payload = CatalogueSamples.ApprovalRequested.ToPayload();
        if (problem == "missing") payload.Remove(field);
        else payload[field] = problem[1..problem.IndexOf('\'', 1)];
        var store = new FaultyAuditStore();
        await store.AppendAsync(Raw(AuditEventTypes.PolicyActivated, CatalogueSamples.PolicyActivated.ToPayload(), AuditEventWriter.PolicyEntity));
        await store.AppendAsync(Raw(AuditEventTypes.ApprovalRequested, payload));
        await using var f = new ClaimsFixture(store: store);

        var error = await Assert.ThrowsAsync<AuditEventFormatException>(async () => await f.Gate.InitializeAsync());

        var seq = store.Events[^1].Seq;
        Assert.Equal((seq, AuditEventTypes.ApprovalRequested, field), (error.Seq, error.EventType, error.Field));
        Assert.Contains($"Audit event seq {seq} (approval.requested) has a malformed payload: the field '{field}' is {problem}", error.Message,
            StringComparison.Ordinal);
        Assert.IsAssignableFrom<AuditStoreException>(error);
    }

    [Fact]
    public async Task A_malformed_event_from_another_writer_stops_every_decision_not_only_the_first()
    {
        await using var f = new ClaimsFixture();
        await f.Gate.InitializeAsync();
        var payload = CatalogueSamples.ApprovalRequested.ToPayload();
        payload.Remove("requiredApprovals");
        await f.Store.AppendAsync(Raw(AuditEventTypes.ApprovalRequested, payload));

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var error = await Assert.ThrowsAsync<AuditEventFormatException>(async () => await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action));
            Assert.Equal(("requiredApprovals", f.Store.Events[^1].Seq), (error.Field, error.Seq));
        }
        Assert.Equal(0, f.Runs);
        Assert.Equal(AuditEventTypes.ApprovalRequested, f.Store.Events[^1].EventType);
    }

    [Fact]
    public async Task An_outcome_about_a_request_that_names_only_an_invocation_stops_the_replay()
    {
        var store = new FaultyAuditStore();
        await store.AppendAsync(Raw(AuditEventTypes.PolicyActivated, CatalogueSamples.PolicyActivated.ToPayload(), AuditEventWriter.PolicyEntity));
        await store.AppendAsync(Raw(AuditEventTypes.ApprovalRequested, CatalogueSamples.ApprovalRequested.ToPayload()));
        var invocationOnly = CatalogueSamples.ActionExecuted with { RequestId = null, InvocationId = "i-9" };
        await store.AppendAsync(Raw(AuditEventTypes.ActionExecuted, invocationOnly.ToPayload()));
        await using var f = new ClaimsFixture(store: store);

        var error = await Assert.ThrowsAsync<AuditEventFormatException>(async () => await f.Gate.InitializeAsync());

        Assert.Equal((store.Events[^1].Seq, AuditEventTypes.ActionExecuted, "requestId"), (error.Seq, error.EventType, error.Field));
    }
}
