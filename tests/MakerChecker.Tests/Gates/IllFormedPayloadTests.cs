using System.Text.Json.Nodes;
using MakerChecker.Audit.Canonicalization;
using MakerChecker.Audit.Stores;
using MakerChecker.Audit.Verification;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using MakerChecker.Policy;
using MakerChecker.Tests.Properties;

namespace MakerChecker.Tests.Gates;

/// <summary>
/// A payload that is not I-JSON (a lone UTF-16 surrogate, escaped in the text a model's tool call sent, in a value or in a
/// key) has no canonical form and so no digest: the call is refused with <c>ill_formed_string</c> before anything is
/// counted or recorded, nothing runs, and the log stays as it was.
/// </summary>
public class IllFormedPayloadTests
{
    [Theory]
    [InlineData("""{"note":"\ud800"}""")]
    [InlineData("""{"\ud800":1}""")]
    [InlineData("""{"claim":{"lines":[{"x\udc00":"a"}]}}""")]
    public async Task An_invocation_whose_payload_holds_an_escaped_lone_surrogate_is_refused_as_ill_formed(string arguments)
    {
        var policy = PolicyLoader.Load(PipelinedGateProperties.Policy(perMinute: 3)).GetPolicyOrThrow();
        await using var store = new InMemoryAuditStore();
        await using var gate = await ApprovalGate.CreateAsync(policy, store);
        var before = await CountAsync(store);
        var runs = 0;
        var payload = JsonNode.Parse(arguments)!.AsObject();

        var refused = await Assert.ThrowsAsync<CanonicalJsonException>(async () => await gate.InvokeAsync("p0", "claim.flag@1", payload, _ =>
        {
            runs++;
            return ValueTask.CompletedTask;
        }));

        Assert.Equal(AuditReasonCodes.IllFormedString, refused.ReasonCode);
        Assert.StartsWith("ill-formed string: ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, runs);
        Assert.Equal(before, await CountAsync(store));
        Assert.True((await AuditStoreVerifier.VerifyAsync(store)).IsValid);

        // Nothing was counted: the limit of 3 a minute still allows three calls.
        for (var i = 0; i < 3; i++)
        {
            var allowed = await gate.InvokeAsync("p0", "claim.flag@1", new JsonObject { ["claim"] = i }, _ => ValueTask.CompletedTask);
            Assert.Equal(DecisionOutcome.Allowed, allowed.Outcome);
        }
    }

    private static async Task<int> CountAsync(IAuditStore store)
    {
        var count = 0;
        await foreach (var _ in store.ReadAsync()) count++;
        return count;
    }
}
