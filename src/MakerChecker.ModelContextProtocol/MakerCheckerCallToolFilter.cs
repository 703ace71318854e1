using System.Diagnostics;
using System.Text.Json;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace MakerChecker.ModelContextProtocol;

/// <summary>
/// The call-tool filter: every tool call goes through the gate as its mapped skill. Allowed runs the tool; approval
/// required returns at once as a tool error carrying the request id (MCP clients time out long before a human
/// reviews); refused returns a tool error with the reason code. The same call with <c>_meta["makerchecker/requestId"]</c>,
/// or <c>makerchecker_execute</c>, resumes a request: it runs once, through <see cref="ApprovalGate.ExecuteAsync"/>,
/// after eligible reviewers signed it off.
/// </summary>
internal sealed class MakerCheckerCallToolFilter(MakerCheckerMcpOptions options)
{
    /// <summary>A tool neither mapped to a skill nor marked ungoverned: refused, since the server fails closed.</summary>
    public const string ToolNotGoverned = "tool_not_governed";

    /// <summary>A resume names a request opened for another skill than the tool's.</summary>
    public const string RequestSkillMismatch = "request_skill_mismatch";

    /// <summary><c>makerchecker_execute</c> was called without <c>request_id</c> and <c>tool</c>.</summary>
    public const string ArgumentsInvalid = "arguments_invalid";

    /// <summary><c>makerchecker_execute</c> names a tool the server does not have.</summary>
    public const string ToolUnknown = "tool_unknown";

    private static readonly ActivitySource Source = new("MakerChecker");

    public McpRequestHandler<CallToolRequestParams, CallToolResult> Wrap(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        (context, cancellationToken) => CallAsync(context, next, cancellationToken);

    private async ValueTask<CallToolResult> CallAsync(
        RequestContext<CallToolRequestParams> context, McpRequestHandler<CallToolRequestParams, CallToolResult> next, CancellationToken cancellationToken)
    {
        var name = context.Params?.Name ?? "";
        if (name == MakerCheckerMcpOptions.ExecuteToolName) return await CompanionAsync(context, cancellationToken).ConfigureAwait(false);
        if (options.UngovernedTools.Contains(name)) return await next(context, cancellationToken).ConfigureAwait(false);
        if (!options.Skills.TryGetValue(name, out var skill))
        {
            return ToolResults.Error(ToolResults.Refused, ToolNotGoverned, null,
                $"The tool '{name}' is not mapped to a skill, so the server refuses it. Map it with WithMakerChecker(o => o.Map(\"{name}\", \"skill@1\")), "
                + $"or, for a tool with no consequence, mark it o.Ungoverned(\"{name}\").", null, options);
        }

        if (options.ResolvePrincipal(context) is not { } principal) return NoPrincipal(name);
        var gate = context.Services!.GetRequiredService<ApprovalGate>();
        var payload = ToolResults.Payload(context.Params!.Arguments);
        using var activity = Start(name, skill);
        if (RequestIdFromMeta(context.Params) is { } requestId)
        {
            return await ResumeAsync(gate, requestId, principal, skill, payload, t => next(context, t), activity, cancellationToken).ConfigureAwait(false);
        }

        CallToolResult? ran = null;
        var result = await gate.InvokeAsync(
            principal, skill, payload, async t => ran = await next(context, t).ConfigureAwait(false),
            options.BasisFactory?.Invoke(context), cancellationToken: cancellationToken).ConfigureAwait(false);
        activity?.SetTag("makerchecker.outcome", result.ReasonCode);
        return result.Outcome switch
        {
            DecisionOutcome.Allowed => ran!,
            DecisionOutcome.ApprovalRequired => ToolResults.From(result, ToolResults.ApprovalRequired, options),
            _ => ToolResults.From(result, ToolResults.Refused, options),
        };
    }

    /// <summary>
    /// Resumes <paramref name="requestId"/>: while it waits for sign-offs nothing runs and nothing is recorded; otherwise
    /// the gate executes it, checking the requester and the payload (<c>payload_mismatch</c>), once.
    /// </summary>
    private async ValueTask<CallToolResult> ResumeAsync(
        ApprovalGate gate, string requestId, string principal, string skill, System.Text.Json.Nodes.JsonObject payload,
        Func<CancellationToken, ValueTask<CallToolResult>> run, Activity? activity, CancellationToken cancellationToken)
    {
        activity?.SetTag("makerchecker.step", "resume");
        await gate.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var request = gate.GetRequest(requestId);
        if (request is not null && request.Skill != skill)
        {
            return ToolResults.Error(ToolResults.Refused, RequestSkillMismatch, null,
                $"Request {requestId} was opened for {request.Skill}, but this tool runs {skill}: resume it with the tool that opened it.",
                requestId, options);
        }
        if (request is { Status: ApprovalStatus.Pending })
        {
            activity?.SetTag("makerchecker.outcome", ToolResults.Pending);
            var approvals = request.SignOffs.Count(s => s.Approved);
            return ToolResults.Error(ToolResults.Pending, ReasonCodes.NotApproved, request.Rule,
                $"Request {requestId} has {approvals} of {request.RequiredApprovals} approvals; nothing ran.", requestId, options);
        }

        CallToolResult? ran = null;
        var result = await gate.ExecuteAsync(requestId, principal, payload, async t => ran = await run(t).ConfigureAwait(false), cancellationToken)
            .ConfigureAwait(false);
        activity?.SetTag("makerchecker.outcome", result.ReasonCode);
        return result.Outcome == DecisionOutcome.Executed ? ran! : ToolResults.From(result, ToolResults.Refused, options, requestId);
    }

    /// <summary>
    /// <c>makerchecker_execute</c>: <c>{request_id, tool, arguments}</c> resumes the request as if <c>tool</c> were called
    /// again with <c>arguments</c> and the request id in <c>_meta</c>.
    /// </summary>
    private async ValueTask<CallToolResult> CompanionAsync(RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        var arguments = context.Params?.Arguments;
        string? Text(string key) =>
            arguments is not null && arguments.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (Text("request_id") is not { Length: > 0 } requestId || Text("tool") is not { Length: > 0 } tool)
        {
            return ToolResults.Error(ToolResults.Refused, ArgumentsInvalid, null,
                $"{MakerCheckerMcpOptions.ExecuteToolName} needs request_id and tool (strings), and arguments: the original call's arguments.", null, options);
        }
        if (!options.Skills.TryGetValue(tool, out var skill))
        {
            return ToolResults.Error(ToolResults.Refused, ToolNotGoverned, null,
                $"The tool '{tool}' is not mapped to a skill, so no request of it can be resumed.", requestId, options);
        }
        if (context.Server.ServerOptions.ToolCollection is not { } tools || !tools.TryGetPrimitive(tool, out var target))
        {
            return ToolResults.Error(ToolResults.Refused, ToolUnknown, null, $"The server has no tool '{tool}'.", requestId, options);
        }
        if (options.ResolvePrincipal(context) is not { } principal) return NoPrincipal(tool);

        var original = arguments!.TryGetValue("arguments", out var a) && a.ValueKind == JsonValueKind.Object
            ? a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var gate = context.Services!.GetRequiredService<ApprovalGate>();
        using var activity = Start(tool, skill);
        context.Params = new CallToolRequestParams { Name = tool, Arguments = original, Meta = context.Params!.Meta };
        context.MatchedPrimitive = target;
        return await ResumeAsync(gate, requestId, principal, skill, ToolResults.Payload(original), t => target.InvokeAsync(context, t), activity,
            cancellationToken).ConfigureAwait(false);
    }

    private CallToolResult NoPrincipal(string tool) =>
        ToolResults.Error(ToolResults.Refused, ReasonCodes.PrincipalUnknown, null,
            $"The call of '{tool}' has no principal: the request carries no authenticated user. Authenticate the MCP client, "
            + "or set MakerCheckerMcpOptions.PrincipalResolver.", null, options);

    private static string? RequestIdFromMeta(CallToolRequestParams parameters) =>
        parameters.Meta?[MakerCheckerMcpOptions.RequestIdMetaKey] is System.Text.Json.Nodes.JsonValue value
        && value.TryGetValue(out string? id) && id.Length > 0
            ? id
            : null;

    private static Activity? Start(string tool, string skill) =>
        Source.StartActivity("makerchecker.tool_call")
            ?.SetTag("gen_ai.tool.name", tool)
            .SetTag("makerchecker.skill", skill)
            .SetTag("makerchecker.integration", "model_context_protocol");
}
