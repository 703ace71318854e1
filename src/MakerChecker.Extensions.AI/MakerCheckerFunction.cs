using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MakerChecker.Decisions;
using MakerChecker.Gates;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI;

/// <summary>
/// An <see cref="AIFunction"/> gated on a MakerChecker policy (create it with
/// <see cref="MakerCheckerAIFunctionExtensions.WithMakerChecker(AIFunction, ApprovalGate, string, MakerCheckerFunctionOptions)"/>).
/// Each call asks the gate to run its skill with the call's arguments as the payload: when allowed, the inner function runs; when refused, the model gets a
/// <see cref="GatedCallResult"/> it can explain; when approval is required, a request bound to those exact arguments is
/// opened, the function-calling loop stops, and <see cref="MakerCheckerChatClient"/> surfaces a
/// <see cref="ToolApprovalRequestContent"/> whose id is the request's.
/// </summary>
/// <remarks>
/// The chat user's answer to that approval request is a resume signal, never a sign-off: sign-offs come from eligible
/// reviewers through the gate. A resumed call runs the inner function once, through
/// <see cref="ApprovalGate.ExecuteAsync"/>, and only with the arguments the request is bound to.
/// </remarks>
public sealed class MakerCheckerFunction : DelegatingAIFunction
{
    private readonly MakerCheckerFunctionOptions _options;

    internal MakerCheckerFunction(AIFunction innerFunction, ApprovalGate gate, string skill, MakerCheckerFunctionOptions options)
        : base(innerFunction)
    {
        Gate = gate;
        Skill = skill;
        _options = options;
    }

    /// <summary>The gate every call goes through.</summary>
    public ApprovalGate Gate { get; }

    /// <summary>The skill the function runs as, <c>name@version</c>.</summary>
    public string Skill { get; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The call's principal could not be resolved (see <see cref="MakerCheckerFunctionOptions"/>).</exception>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var invocation = FunctionInvokingChatClient.CurrentContext;
        var call = new MakerCheckerToolCall(Name, Skill, arguments, invocation, invocation?.Options);
        var principal = ResolvePrincipal(call);
        using var activity = ToolCallTelemetry.Start(Name, Skill, "invoke");
        object? ran = null;
        var result = await Gate.InvokeAsync(
            principal, Skill, ToPayload(arguments),
            async token => ran = await InnerFunction.InvokeAsync(arguments, token).ConfigureAwait(false),
            _options.BasisFactory?.Invoke(call), cancellationToken: cancellationToken).ConfigureAwait(false);
        activity?.SetTag("makerchecker.outcome", result.ReasonCode);
        switch (result.Outcome)
        {
            case DecisionOutcome.Allowed:
                return ran;
            case DecisionOutcome.ApprovalRequired:
                // Stop the loop: the model must not carry on as if the action ran, and the caller surfaces the request.
                if (invocation is not null) invocation.Terminate = true;
                return GatedCallResult.From(result, GatedCallResult.ApprovalRequired);
            default:
                return GatedCallResult.From(result, GatedCallResult.Refused);
        }
    }

    /// <summary>
    /// Resumes a call that opened <paramref name="requestId"/>: while the request still waits for sign-offs nothing runs
    /// and nothing is recorded (<see cref="GatedCallResult.Pending"/>); otherwise the gate executes it (recording a refusal
    /// such as <c>payload_mismatch</c>, <c>not_requester</c> or <c>already_executed</c>), running the inner function once.
    /// </summary>
    internal async ValueTask<object?> ResumeAsync(
        string requestId, AIFunctionArguments arguments, ChatOptions? chatOptions, CancellationToken cancellationToken)
    {
        var call = new MakerCheckerToolCall(Name, Skill, arguments, null, chatOptions);
        var principal = ResolvePrincipal(call);
        using var activity = ToolCallTelemetry.Start(Name, Skill, "resume");
        await Gate.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var request = Gate.GetRequest(requestId);
        if (request is not null && request.Skill != Skill)
        {
            // The arguments alone bind the approval; the skill must match too, or an approval could run another function.
            return new GatedCallResult(GatedCallResult.Refused, GatedCallResult.RequestSkillMismatch, null,
                $"Request {requestId} was opened for {request.Skill}, but '{Name}' runs {Skill}: nothing ran.", requestId);
        }
        if (request is { Status: ApprovalStatus.Pending } pending)
        {
            activity?.SetTag("makerchecker.outcome", GatedCallResult.Pending);
            var signed = pending.SignOffs.Count(s => s.Approved);
            return new GatedCallResult(GatedCallResult.Pending, ReasonCodes.NotApproved, pending.Rule,
                $"Request {requestId} has {signed} of {pending.RequiredApprovals} approvals; nothing ran. "
                + "Eligible reviewers sign it off through the gate; resume the call after that.", requestId);
        }

        object? ran = null;
        var result = await Gate.ExecuteAsync(
            requestId, principal, ToPayload(arguments),
            async token => ran = await InnerFunction.InvokeAsync(arguments, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        activity?.SetTag("makerchecker.outcome", result.ReasonCode);
        return result.Outcome == DecisionOutcome.Executed ? ran : GatedCallResult.From(result, GatedCallResult.Refused);
    }

    private string ResolvePrincipal(MakerCheckerToolCall call)
    {
        if (_options.PrincipalResolver?.Invoke(call) is { Length: > 0 } resolved) return resolved;
        if (_options.PrincipalId is { Length: > 0 } fixedId) return fixedId;
        if (call.ChatOptions?.AdditionalProperties is { } properties && properties.TryGetValue(_options.PrincipalPropertyName, out var value))
        {
            // After a JSON round trip the value is a JsonElement, not a string.
            var id = value switch
            {
                string s => s,
                JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
                _ => null,
            };
            if (id is { Length: > 0 }) return id;
        }

        throw new InvalidOperationException(
            $"The gated function '{Name}' ({Skill}) cannot tell which principal calls it: set MakerCheckerFunctionOptions.PrincipalId "
            + $"or PrincipalResolver, or put the principal id in ChatOptions.AdditionalProperties[\"{_options.PrincipalPropertyName}\"].");
    }

    /// <summary>The call's arguments as a JSON object: the payload an approval is bound to (through its digest).</summary>
    internal JsonObject ToPayload(AIFunctionArguments arguments)
    {
        var serializer = _options.SerializerOptions ?? JsonSerializerOptions ?? AIJsonUtilities.DefaultOptions;
        var payload = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            payload[name] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), serializer);
        }
        return payload;
    }
}

/// <summary>The integration's spans, on the gate's activity source (<c>MakerChecker</c>), around the gate's own.</summary>
internal static class ToolCallTelemetry
{
    private static readonly ActivitySource Source = new("MakerChecker");

    public static Activity? Start(string tool, string skill, string step) =>
        Source.StartActivity("makerchecker.tool_call")
            ?.SetTag("gen_ai.tool.name", tool)
            .SetTag("makerchecker.skill", skill)
            .SetTag("makerchecker.integration", "microsoft.extensions.ai")
            .SetTag("makerchecker.step", step);
}
