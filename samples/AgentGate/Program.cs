using System.ComponentModel;
using System.IO.Pipelines;
using System.Text.Json.Nodes;
using MakerChecker.Audit.Bundles;
using MakerChecker.Audit.Signing;
using MakerChecker.Audit.Stores;
using MakerChecker.Gates;
using MakerChecker.ModelContextProtocol;
using MakerChecker.Policy;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// An AI agent's tool calls under the gate, with no LLM and no network: a scripted claims agent flags a claim (allowed),
// tries to deny it (a request for a physician), cannot approve its own request, resumes after the physician signs, and the
// denial runs once. Then the same through an MCP server and client in this process. The signed audit bundle must verify.
var policy = PolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies", "claims-review.yaml")).GetPolicyOrThrow();
var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
await using var log = new InMemoryAuditStore(timeProvider: clock);
await using var gate = await ApprovalGate.CreateAsync(policy, log, clock);
var claims = new ClaimsSystem();
var failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

Console.WriteLine("1. Microsoft.Extensions.AI: the agent's tools are gated functions.");
var claim = new Dictionary<string, object?> { ["claimId"] = "C-1009", ["reason"] = "PXDX-42: procedure not covered for this diagnosis" };
var tools = new ChatOptions
{
    Tools =
    [
        AIFunctionFactory.Create(claims.Flag, "flag_claim").WithMakerChecker(gate, "coverage.flag@1", "screener-bot"),
        AIFunctionFactory.Create(claims.Deny, "deny_claim").WithMakerChecker(gate, "coverage.deny@1", "drafter-bot"),
    ],
};
using var agent = new ScriptedClaimsAgent(
        ScriptedClaimsAgent.Call("call-1", "flag_claim", new() { ["claimId"] = "C-1009" }),
        ScriptedClaimsAgent.Call("call-2", "deny_claim", claim),
        ScriptedClaimsAgent.Report("The denial of C-1009 is done"))
    .AsBuilder().UseMakerChecker().UseFunctionInvocation().Build();

List<ChatMessage> chat = [new(ChatRole.User, "Screen claim C-1009 and deny it if the rule applies.")];
var turn = await agent.GetResponseAsync(chat, tools);
chat.AddRange(turn.Messages);
var approval = turn.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().SingleOrDefault();
Check(claims.Flagged.Count == 1, "the flag ran at once (allowed)");
Check(approval is not null && claims.Denied.Count == 0, $"the denial waits for a physician: approval request {approval?.RequestId}");
var requestId = approval!.RequestId;

var self = await gate.ApproveAsync(requestId, "drafter-bot", "I am sure");
Check(self.IsRefused, $"the agent approving its own request is refused: {self.ReasonCode}");

chat.Add(new ChatMessage(ChatRole.User, [approval.CreateResponse(true)]));     // the chat user's "approve": only a resume signal
turn = await agent.GetResponseAsync(chat, tools);
Check(claims.Denied.Count == 0 && turn.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Any(),
    "resuming before the physician signs runs nothing: the request is still pending");

await gate.PresentAsync(requestId, "dr.okafor");                              // the inbox shows the case to the physician
clock.Advance(TimeSpan.FromSeconds(95));                                       // who reads it for 95 s (min_review is 30 s)
var signed = await gate.ApproveAsync(requestId, "dr.okafor", "chart reviewed; the rule applies");
Check(!signed.IsRefused, $"dr.okafor signs off: {signed.ReasonCode}");

chat.Add(new ChatMessage(ChatRole.User, [approval.CreateResponse(true)]));
turn = await agent.GetResponseAsync(chat, tools);
Console.WriteLine($"  agent: {turn.Text}");
Check(claims.Denied.Count == 1, "after sign-off the denial ran, once, with the approved arguments");

Console.WriteLine("2. Model Context Protocol: the same tools behind an MCP server, called by an MCP client over in-process pipes.");
var toServer = new Pipe();
var toClient = new Pipe();
var services = new ServiceCollection().AddSingleton(gate);
services.AddMcpServer()
    .WithStreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream())
    .WithTools(claims)
    // Over pipes nobody authenticates, so a resolver names the agent; over HTTP it is the request's authenticated user.
    .WithMakerChecker(o =>
    {
        o.Map("deny_claim", "coverage.deny@1").Map("flag_claim", "coverage.flag@1");
        o.PrincipalResolver = _ => "drafter-bot";
    });
await using var provider = services.BuildServiceProvider();
using var stop = new CancellationTokenSource();
var serving = provider.GetRequiredService<McpServer>().RunAsync(stop.Token);
await using (var client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream())))
{
    var second = new Dictionary<string, object?> { ["claimId"] = "C-2044", ["reason"] = "PXDX-42: procedure not covered for this diagnosis" };
    var pending = await client.CallToolAsync("deny_claim", second);
    var mcpRequest = pending.StructuredContent?.GetProperty("request_id").GetString();
    Check(pending.IsError == true && mcpRequest is not null, $"deny_claim returns at once: approval required, request {mcpRequest}");
    var resume = new RequestOptions { Meta = new JsonObject { [MakerCheckerMcpOptions.RequestIdMetaKey] = mcpRequest } };
    var early = await client.CallToolAsync("deny_claim", second, options: resume);
    Check(early.StructuredContent?.GetProperty("status").GetString() == "pending", "resuming before sign-off: still pending, nothing ran");

    await gate.PresentAsync(mcpRequest!, "dr.lindqvist");
    clock.Advance(TimeSpan.FromSeconds(80));
    await gate.ApproveAsync(mcpRequest!, "dr.lindqvist", "chart reviewed");
    var ran = await client.CallToolAsync("deny_claim", second, options: resume);
    var again = await client.CallToolAsync("deny_claim", second, options: resume);
    Check(ran.IsError != true && claims.Denied.Count == 2, "after sign-off the same call with _meta[makerchecker/requestId] ran the denial");
    Check(again.StructuredContent?.GetProperty("reason_code").GetString() == "already_executed", "a second resume is refused: already_executed");
}
await stop.CancelAsync();
try { await serving; } catch (OperationCanceledException) { }

Console.WriteLine("3. The evidence: a signed bundle of the audit log, verified under the pinned key.");
using var signer = Ed25519AuditSigner.Generate();
using var bundle = new MemoryStream();
await BundleExporter.ExportFullAsync(log, signer, bundle, clock);
bundle.Position = 0;
var verdict = await BundleVerifier.VerifyAsync(bundle, new BundleVerifierOptions { PinnedPublicKeyPem = signer.PublicKeyPem });
Check(verdict.IsValid, $"bundle: {verdict}");
Console.WriteLine(failures == 0 ? "AgentGate: every check passed." : $"AgentGate: {failures} check(s) failed.");
return failures == 0 ? 0 : 1;

/// <summary>The claims system's actions, which count what they did.</summary>
internal sealed class ClaimsSystem
{
    public List<string> Flagged { get; } = [];

    public List<string> Denied { get; } = [];

    [McpServerTool(Name = "flag_claim"), Description("Flags a claim for denial, with the rule that fired.")]
    public string Flag(string claimId)
    {
        Flagged.Add(claimId);
        return $"claim {claimId} flagged";
    }

    [McpServerTool(Name = "deny_claim"), Description("Finalises the denial of a claim.")]
    public string Deny(string claimId, string reason)
    {
        Denied.Add(claimId);
        Console.WriteLine($"  -> claim {claimId} denied: {reason}");
        return $"claim {claimId} denied";
    }
}

/// <summary>A clock the sample moves by hand, so that a physician's review takes no time.</summary>
internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
    public void Advance(TimeSpan by) => now += by;
}
