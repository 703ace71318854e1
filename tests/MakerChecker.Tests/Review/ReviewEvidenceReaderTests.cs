using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing.Events;
using MakerChecker.Tests.Auditing;
using MakerChecker.Review;
using MakerChecker.Testing;

namespace MakerChecker.Tests.Review;

/// <summary>How the gate's audit events become the detector's evidence.</summary>
public sealed class ReviewEvidenceReaderTests
{
    [Fact]
    public async Task Maps_the_gates_events_and_skips_the_rest()
    {
        await using var scenario = new ReviewScenario();
        await scenario.FlagAsync(3);
        await scenario.ReviewAsync("dr.steady", 2, _ => TimeSpan.FromSeconds(40), TimeSpan.FromMinutes(1), i => i == 0);
        await scenario.BreakGlassAsync("the patient is in theatre");
        var all = new List<AuditEvent>();
        await foreach (var e in scenario.Store.ReadAsync()) all.Add(e);

        var evidence = ReviewEvidenceReader.Read(all);

        Assert.Equal(2, evidence.SignOffs.Count);
        var first = evidence.SignOffs[0];
        var decided = all.Single(e => e.Seq == first.Seq);
        Assert.Equal("approval.decided", decided.EventType);
        Assert.Equal((decided.EntityId, "dr.steady", ReviewScenario.Deny, true), (first.RequestId, first.ReviewerId, first.Skill, first.Approved));
        Assert.Equal(TimeSpan.FromSeconds(40), first.Dwell);
        Assert.Equal("meets the denial criteria", first.Reason);
        Assert.False(evidence.SignOffs[1].Approved);
        Assert.Equal("the clinical notes support coverage", evidence.SignOffs[1].Reason);
        Assert.Equal(3, evidence.AutomatedDecisions[ReviewScenario.Flag]);
        Assert.Equal(2, evidence.AutomatedDecisions[ReviewScenario.Deny]);
        Assert.Equal(2, evidence.ReviewedDecisions[ReviewScenario.Deny]);
        Assert.False(evidence.ReviewedDecisions.ContainsKey(ReviewScenario.Flag));
        var glass = Assert.Single(evidence.BreakGlassUses);
        Assert.Equal(("dr.director", ReviewScenario.Deny, "the patient is in theatre"), (glass.PrincipalId, glass.Skill, glass.Justification));
        Assert.Empty(evidence.RefusedSignOffs);
        Assert.Equal(evidence.SignOffs.Count, (await ReviewEvidenceReader.ReadAsync(scenario.Store.ReadAsync())).SignOffs.Count);
    }

    [Fact]
    public async Task Reads_refused_sign_offs_with_their_reason_code_and_dwell()
    {
        await using var store = new InMemoryAuditStore();
        await store.AppendAsync(Entry(CatalogueSamples.SignOffRefused with
        {
            RequestId = "r-1", ReviewerId = "dr.quick", ReasonCode = "review_too_fast", DwellMs = 2000, DecidedAt = CatalogueSamples.At.AddSeconds(2),
        }));
        var refused = Assert.Single((await ReviewEvidenceReader.ReadAsync(store.ReadAsync())).RefusedSignOffs);
        Assert.Equal((2L, "r-1", "dr.quick", "review_too_fast", 2000L), (refused.Seq, refused.RequestId, refused.ReviewerId, refused.ReasonCode,
            refused.DwellMs!.Value));
    }

    [Fact]
    public async Task A_sign_off_written_before_sign_offs_named_their_skill_takes_it_from_the_request()
    {
        await using var store = new InMemoryAuditStore();
        await store.AppendAsync(Entry(CatalogueSamples.ApprovalRequested with { RequestId = "r-1", Skill = "coverage.deny@1" }));
        await store.AppendAsync(Entry(CatalogueSamples.ApprovalDecided with { RequestId = "r-1", Skill = null }));
        Assert.DoesNotContain("\"skill\"", store.ReadAsync().ToBlockingEnumerable().Last().Payload.GetRawText(), StringComparison.Ordinal);

        var evidence = await ReviewEvidenceReader.ReadAsync(store.ReadAsync());

        Assert.Equal("coverage.deny@1", Assert.Single(evidence.SignOffs).Skill);
        Assert.Equal(1, evidence.ReviewedDecisions["coverage.deny@1"]);
    }

    [Theory]
    [InlineData("approval.decided", "reviewerId", null, "'reviewerId' is null")]
    [InlineData("approval.decided", "verdict", "maybe", "'verdict' is 'maybe', but must be one of approve, reject")]
    [InlineData("approval.decided", "decidedAt", "yesterday", "'decidedAt' is 'yesterday', but must be a UTC ISO 8601 time")]
    [InlineData("approval.signoff_refused", "reasonCode", null, "'reasonCode' is null")]
    [InlineData("breakglass.invoked", "justification", null, "'justification' is null")]
    [InlineData("decision.allowed", "skill", null, "'skill' is null")]
    [InlineData("approval.requested", "requestId", null, "'requestId' is null")]
    public async Task A_malformed_payload_of_a_known_type_is_an_error_naming_the_seq(string type, string field, string? value, string problem)
    {
        var payload = CatalogueSamples.Payloads.Single(p => p.EventType == type).ToPayload();
        payload[field] = value;
        await using var store = new InMemoryAuditStore();
        await store.AppendAsync(Entry(CatalogueSamples.PolicyActivated));
        await store.AppendAsync(new AuditEntry { Actor = new AuditActor("human", "dr.x"), EventType = type, EntityType = "approval_request",
            EntityId = "r-1", Payload = payload });

        var error = await Assert.ThrowsAsync<AuditEventFormatException>(() => ReviewEvidenceReader.ReadAsync(store.ReadAsync()));

        Assert.Equal((3L, type, field), (error.Seq, error.EventType, error.Field));
        Assert.Contains($"seq 3 ({type})", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private static AuditEntry Entry<T>(T payload)
        where T : struct, IAuditEventPayload<T> => AuditEventWriter.ToEntry(payload, new AuditActor("human", "dr.x"), AuditEventWriter.RequestEntity, "r-1");
}
