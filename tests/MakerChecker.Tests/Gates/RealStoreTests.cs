using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

/// <summary>The gate over the real stores of MakerChecker.Audit: the file store carries requests across a process restart.</summary>
public class RealStoreTests
{
    [Fact]
    public async Task A_request_opened_before_a_restart_is_approved_and_run_after_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mc-{Guid.NewGuid():N}.jsonl");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var policy = BuildPolicy();
        try
        {
            string id;
            await using (var store = await FileAuditStore.OpenAsync(path))
            await using (var gate = new ApprovalGate(policy, store, time))
            {
                var opened = await gate.InvokeAsync("bot", Deny, Claim(), _ => ValueTask.CompletedTask, new ProposalBasis("R-1"));
                id = opened.Request!.Id;
                await gate.PresentAsync(id, "dr-a");
                time.Advance(TimeSpan.FromMinutes(1));
                await gate.ApproveAsync(id, "dr-a");
                await gate.PresentAsync(id, "dr-b");
            }

            time.Advance(TimeSpan.FromMinutes(1));
            await using (var store = await FileAuditStore.OpenAsync(path))
            await using (var gate = new ApprovalGate(policy, store, time))
            {
                Assert.Equal(ReasonCodes.SignedOff, (await gate.ApproveAsync(id, "dr-b")).ReasonCode);
                var runs = 0;
                var done = await gate.ExecuteAsync(id, "bot", Claim(), _ => { runs++; return ValueTask.CompletedTask; });
                Assert.Equal(ReasonCodes.Executed, done.ReasonCode);
                Assert.Equal(1, runs);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_payload_digest_is_of_the_canonical_form()
    {
        var a = System.Text.Json.Nodes.JsonNode.Parse("""{"b":1.0,"a":{"y":"\u00e9","x":[1e2]}}""")!.AsObject();
        var b = System.Text.Json.Nodes.JsonNode.Parse("""{"a":{"x":[100],"y":"é"},"b":1}""")!.AsObject();
        Assert.Equal(PayloadDigest.Compute(a), PayloadDigest.Compute(b));
        // SHA-256 of {"a":1}, the canonical form of both spellings below.
        Assert.Equal("sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862", PayloadDigest.Compute(System.Text.Json.Nodes.JsonNode.Parse("""{ "a" : 1.00 }""")!.AsObject()));

        await using var f = new ClaimsFixture();
        var request = await f.OpenDenialAsync(payload: a);
        await f.PresentAndApproveAsync(request.Id, "dr-a");
        await f.PresentAndApproveAsync(request.Id, "dr-b");
        Assert.Equal(ReasonCodes.Executed, (await f.Gate.ExecuteAsync(request.Id, "bot", b, f.Action)).ReasonCode);
        Assert.Single(f.Store.OfType(AuditEventTypes.ActionExecuted));
    }
}
