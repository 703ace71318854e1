using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI;

/// <summary>
/// The incoming half of <see cref="MakerCheckerChatClient"/>: finds the chat user's answers to gated approval requests,
/// resumes those calls through the gate, and takes every gated approval content out of the history the inner clients see
/// (a <see cref="FunctionInvokingChatClient"/> would otherwise run the function again on an "approved" answer).
/// </summary>
internal sealed class ApprovalResumption
{
    private ApprovalResumption(IEnumerable<ChatMessage> messages) => Messages = messages;

    /// <summary>The history to send on: the caller's, without gated approval contents, plus <see cref="Added"/>.</summary>
    public IEnumerable<ChatMessage> Messages { get; private set; }

    /// <summary>The resumed calls that finished (ran, or were refused): a call message and its result message each.</summary>
    public List<ChatMessage> Added { get; } = [];

    /// <summary>Approval requests for calls still waiting for sign-offs; when any, nothing is sent on.</summary>
    public List<AIContent> Waiting { get; } = [];

    public static async ValueTask<ApprovalResumption> ResumeAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var resumption = new ApprovalResumption(messages);
        if (GatedTools.Find(options) is not { } gated || !Mentions(messages, gated)) return resumption;

        var answered = new HashSet<string>(StringComparer.Ordinal);
        var answers = new Dictionary<string, (ToolApprovalResponseContent Response, FunctionCallContent Call, MakerCheckerFunction Function)>();
        var kept = new List<ChatMessage>();
        foreach (var message in messages)
        {
            List<AIContent>? contents = null;
            for (var i = 0; i < message.Contents.Count; i++)
            {
                var content = message.Contents[i];
                if (content is FunctionResultContent result) answered.Add(result.CallId);
                var ours = content switch
                {
                    ToolApprovalResponseContent { ToolCall: FunctionCallContent call } response when gated.TryGetValue(call.Name, out var f) =>
                        Record(answers, response, call, f),
                    ToolApprovalRequestContent { ToolCall: FunctionCallContent call } => gated.ContainsKey(call.Name),
                    _ => false,
                };
                if (ours) contents ??= [.. message.Contents.Take(i)];
                else contents?.Add(content);
            }
            if (contents is null) kept.Add(message);
            else if (contents.Count > 0) kept.Add(GatedTools.With(message, contents));
        }

        foreach (var (callId, (response, call, function)) in answers)
        {
            if (answered.Contains(callId)) continue; // resumed in an earlier turn: its result is already in the history
            var result = response.Approved
                ? await function.ResumeAsync(response.RequestId, new AIFunctionArguments(Copy(call.Arguments)), options, cancellationToken)
                    .ConfigureAwait(false)
                : new GatedCallResult(GatedCallResult.NotResumed, GatedCallResult.NotResumed, null,
                    $"The user chose not to resume this call; request {response.RequestId} stays open for reviewers and nothing ran.",
                    response.RequestId);
            if (GatedCallResult.TryRead(result, out var waiting) && waiting.Status == GatedCallResult.Pending)
            {
                resumption.Waiting.Add(GatedTools.ApprovalRequest(waiting, call));
                continue;
            }
            resumption.Added.Add(new ChatMessage(ChatRole.Assistant, [GatedTools.Fresh(call)]));
            resumption.Added.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, result)]));
        }
        resumption.Messages = [.. kept, .. resumption.Added];
        return resumption;
    }

    /// <summary>The response for a resume that must wait: the finished calls, then the approval requests still open.</summary>
    public ChatResponse WaitingResponse() => new([.. Added, new ChatMessage(ChatRole.Assistant, [.. Waiting])]);

    private static bool Record(
        Dictionary<string, (ToolApprovalResponseContent, FunctionCallContent, MakerCheckerFunction)> answers,
        ToolApprovalResponseContent response, FunctionCallContent call, MakerCheckerFunction function)
    {
        answers[call.CallId] = (response, call, function); // the latest answer for a call wins
        return true;
    }

    private static bool Mentions(IEnumerable<ChatMessage> messages, Dictionary<string, MakerCheckerFunction> gated)
    {
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is ToolApprovalResponseContent { ToolCall: FunctionCallContent a } && gated.ContainsKey(a.Name)) return true;
                if (content is ToolApprovalRequestContent { ToolCall: FunctionCallContent b } && gated.ContainsKey(b.Name)) return true;
            }
        }
        return false;
    }

    private static Dictionary<string, object?> Copy(IDictionary<string, object?>? arguments) =>
        arguments is null ? new(StringComparer.Ordinal) : new(arguments, StringComparer.Ordinal);
}
