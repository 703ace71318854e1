using System.Text;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Events;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Auditing;

/// <summary>
/// A log written by the previous writer (<c>Fixtures/audit-v1.jsonl</c>, see <c>Fixtures/NOTICE.md</c>) still verifies,
/// still replays to the same gate state, and the current writer still writes the same payloads for the same scenario.
/// </summary>
public class AuditV1FixtureTests
{
    internal static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Auditing", "Fixtures", "audit-v1.jsonl");

    internal static async Task<IReadOnlyList<AuditEvent>> ReadFixtureAsync()
    {
        await using var store = await FileAuditStore.OpenReadOnlyAsync(FixturePath);
        return await store.ReadAsync().ToListAsync();
    }

    [Fact]
    public async Task The_fixture_verifies()
    {
        await using var store = await FileAuditStore.OpenReadOnlyAsync(FixturePath);
        var verdict = await AuditStoreVerifier.VerifyAsync(store);
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.Equal(50, verdict.EventCount);
    }

    [Fact]
    public async Task A_gate_replays_the_fixture_to_the_state_it_was_written_in()
    {
        var events = await ReadFixtureAsync();
        var requests = events.Where(e => e.EventType == AuditEventTypes.ApprovalRequested).Select(e => e.EntityId!).ToArray();
        Assert.Equal(4, requests.Length);
        var copy = Path.Combine(Path.GetTempPath(), $"mc-fixture-{Guid.NewGuid():N}.jsonl");
        File.Copy(FixturePath, copy);
        try
        {
            // Within the first minute, so that bot's three counted flags are still in the per-minute window.
            var clock = new FakeTimeProvider(EveryEventScenario.Start.AddSeconds(1));
            await using var store = await FileAuditStore.OpenAsync(copy, new FileAuditStoreOptions { TimeProvider = clock });
            await using var gate = new ApprovalGate(BuildPolicy(EveryEventScenario.SecondPolicyHash), store, clock);
            await gate.InitializeAsync();
            Assert.Equal(events.Count, await store.ReadAsync().CountAsync()); // the policy in force is the log's last: no new activation

            var r1 = gate.GetRequest(requests[0])!;
            Assert.Equal(ApprovalStatus.Executed, r1.Status);
            Assert.Equal(("bot", Deny, 2, false), (r1.RequesterId, r1.Skill, r1.RequiredApprovals, r1.Sampled));
            Assert.Equal(new ProposalBasis("PXDX-42", "screen-2026.11", "sha256:feed", "diagnosis not covered"), r1.Basis);
            Assert.Equal(["dr-a", "dr-b"], r1.SignOffs.Select(s => s.ReviewerId));
            Assert.All(r1.SignOffs, s => Assert.True(s.Approved));
            Assert.Equal(TimeSpan.FromSeconds(35), r1.SignOffs[0].DecidedAt - r1.SignOffs[0].PresentedAt);
            Assert.Equal(EveryEventScenario.Start, r1.RequestedAt);
            Assert.Equal(EveryEventScenario.Start.AddHours(1), r1.ExpiresAt);

            var r2 = gate.GetRequest(requests[1])!;
            Assert.Equal(ApprovalStatus.Rejected, r2.Status);
            Assert.Null(r2.Basis);
            var rejection = Assert.Single(r2.SignOffs);
            Assert.Equal(("dr-b", false, "not documented"), (rejection.ReviewerId, rejection.Approved, rejection.Reason));

            var r3 = gate.GetRequest(requests[2])!;
            Assert.Equal((ApprovalStatus.Failed, true, Note), (r3.Status, r3.Sampled, r3.Skill));

            var r4 = gate.GetRequest(requests[3])!;
            Assert.Equal(ApprovalStatus.Pending, r4.Status);
            Assert.Equal("dr-b", Assert.Single(r4.Presentations).ReviewerId);
            Assert.Equal([requests[3]], gate.GetOpenRequests().Select(r => r.Id));

            var glass = Assert.Single(gate.GetBreakGlassForReview());
            Assert.Equal(("dr-a", Deny, "patient in theatre"), (glass.PrincipalId, glass.Skill, glass.Justification));
            Assert.Equal(PayloadDigest.Compute(Claim(id: "C-8")), glass.PayloadDigest);
            Assert.StartsWith("policy.yaml:", glass.Rule, StringComparison.Ordinal);

            var nightBot = gate.ResolvePrincipal("night-bot")!;
            Assert.Equal((PrincipalKind.Agent, "screener", PrincipalStatus.Active, "dr-owner"), (nightBot.Kind, nightBot.Role, nightBot.Status,
                nightBot.Owner));
            Assert.Equal(PrincipalStatus.Suspended, gate.ResolvePrincipal("dr-c")!.Status);

            // bot's three counted flags were replayed into the ledger: a fourth in the same minute is refused.
            Assert.Equal(ReasonCodes.LimitExceeded, (await gate.InvokeAsync("bot", Flag, Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
            Assert.Equal(ReasonCodes.Allowed, (await gate.InvokeAsync("clerk-1", Flag, Claim(), _ => ValueTask.CompletedTask)).ReasonCode);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task The_review_reader_reads_the_fixture_as_written()
    {
        var events = await ReadFixtureAsync();
        var evidence = MakerChecker.Review.ReviewEvidenceReader.Read(events);
        var requests = events.Where(e => e.EventType == AuditEventTypes.ApprovalRequested).Select(e => e.EntityId!).ToArray();

        Assert.Equal([(25L, "dr-a", true), (27L, "dr-b", true), (30L, "dr-b", false), (37L, "dr-c", true)], evidence.SignOffs.Select(s => (s.Seq,
            s.ReviewerId, s.Approved)));
        var first = evidence.SignOffs[0];
        Assert.Equal((requests[0], Deny, "chart reviewed"), (first.RequestId, first.Skill, first.Reason));
        Assert.Equal((EveryEventScenario.Start, EveryEventScenario.Start, EveryEventScenario.Start.AddSeconds(35)), (first.RequestedAt,
            first.PresentedAt, first.DecidedAt));
        Assert.Null(evidence.SignOffs[1].Reason);
        Assert.Equal(
            [(22L, ReasonCodes.NotPresented, (long?)null), (24L, ReasonCodes.ReviewTooFast, 5000L), (28L, ReasonCodes.RequesterCannotApprove, null)],
            evidence.RefusedSignOffs.Select(r => (r.Seq, r.ReasonCode, r.DwellMs)));
        Assert.Equal(requests[1], evidence.RefusedSignOffs[2].RequestId);
        var glass = Assert.Single(evidence.BreakGlassUses);
        Assert.Equal((40L, "dr-a", Deny, "patient in theatre", EveryEventScenario.Start.AddSeconds(228)), (glass.Seq, glass.PrincipalId, glass.Skill,
            glass.Justification, glass.At));
        Assert.Equal(new Dictionary<string, int> { [Flag] = 4, [Pay] = 1, [Deny] = 3, [Note] = 2 }, evidence.AutomatedDecisions);
        Assert.Equal(new Dictionary<string, int> { [Deny] = 2, [Note] = 1 }, evidence.ReviewedDecisions);
    }

    /// <summary>
    /// Runs the scenario with the current writer and compares every event with the fixture's: type, actor, entity and
    /// canonical payload bytes, after mapping the fixture's request and invocation ids (random UUIDv7s) to this run's.
    /// With <c>MAKERCHECKER_WRITE_AUDIT_FIXTURE</c> set to a directory, writes the fixture there instead.
    /// </summary>
    [Fact]
    public async Task The_writer_writes_the_payloads_the_fixture_holds()
    {
        if (Environment.GetEnvironmentVariable("MAKERCHECKER_WRITE_AUDIT_FIXTURE") is { Length: > 0 } target)
        {
            await EveryEventScenario.WriteAsync(Path.Combine(target, "audit-v1.jsonl"));
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), $"mc-scenario-{Guid.NewGuid():N}.jsonl");
        try
        {
            await EveryEventScenario.WriteAsync(path);
            await using var store = await FileAuditStore.OpenReadOnlyAsync(path);
            var now = await store.ReadAsync().ToListAsync();
            var old = await ReadFixtureAsync();
            // The scenario has since grown by its last steps (an idempotent invocation resolved not_executed, retried: 4 events;
            // a break-glass review: 1; a lapse and an appeal outcome: 2; a snapshot's hash: 1).
            Assert.Equal(old.Count + AddedSinceFixture, now.Count);
            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < old.Count; i++)
            {
                if (old[i].EntityId is { } o && now[i].EntityId is { } n && o != n) ids.TryAdd(o, n);
            }

            for (var i = 0; i < old.Count; i++)
            {
                var (o, n) = (old[i], now[i]);
                Assert.Equal((o.Seq, o.Id, o.OccurredAt, o.EventType, o.EntityType), (n.Seq, n.Id, n.OccurredAt, n.EventType, n.EntityType));
                Assert.Equal(o.Actor, n.Actor);
                Assert.Equal(o.EntityId is null ? null : ids.GetValueOrDefault(o.EntityId, o.EntityId), n.EntityId);
                var expected = Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(WithoutFieldsRemovedSince(o))));
                foreach (var (from, to) in ids) expected = expected.Replace(from, to, StringComparison.Ordinal);
                Assert.Equal(expected, Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(WithoutFieldsAddedSince(n)))));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>How many events the scenario writes after those the fixture holds.</summary>
    internal const int AddedSinceFixture = 8;

    /// <summary>
    /// The event's payload without the fields added to the catalogue after the fixture was written (additive, absent in
    /// older logs): <c>executionId</c> on <c>action.started</c> and a request's outcome, and the canonical <c>policy</c> on
    /// <c>policy.activated</c> (which must be there, and hash to its <c>policyHash</c> unless the test policy fakes its hash).
    /// Every other field must match.
    /// </summary>
    private static string WithoutFieldsAddedSince(AuditEvent e)
    {
        var payload = System.Text.Json.Nodes.JsonNode.Parse(e.Payload.GetRawText())!.AsObject();
        if (e.EventType is AuditEventTypes.ActionStarted or AuditEventTypes.ActionExecuted or AuditEventTypes.ActionFailed) payload.Remove("executionId");
        if (e.EventType == AuditEventTypes.PolicyActivated)
        {
            Assert.Equal("makerchecker-policy-canonical/1", (string?)payload["policy"]?["format"]);
            Assert.False(payload.ContainsKey("source"));
            payload.Remove("policy");
        }
        return payload.ToJsonString();
    }

    /// <summary>
    /// The fixture event's payload without the fields the writer no longer writes: <c>source</c> on <c>policy.activated</c>
    /// (the producer's file path), which readers still accept.
    /// </summary>
    private static string WithoutFieldsRemovedSince(AuditEvent e)
    {
        var payload = System.Text.Json.Nodes.JsonNode.Parse(e.Payload.GetRawText())!.AsObject();
        if (e.EventType == AuditEventTypes.PolicyActivated) Assert.NotNull(payload["source"]);
        if (e.EventType == AuditEventTypes.PolicyActivated) payload.Remove("source");
        return payload.ToJsonString();
    }

    /// <summary>The scenario's log as the current writer writes it.</summary>
    internal static async Task<IReadOnlyList<AuditEvent>> WriteScenarioAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-scenario-{Guid.NewGuid():N}.jsonl");
        try
        {
            await EveryEventScenario.WriteAsync(path);
            await using var store = await FileAuditStore.OpenReadOnlyAsync(path);
            return await store.ReadAsync().ToListAsync();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
