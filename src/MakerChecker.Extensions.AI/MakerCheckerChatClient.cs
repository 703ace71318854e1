using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI;

/// <summary>
/// The chat-pipeline half of the integration (<see cref="MakerCheckerChatClientBuilderExtensions.UseMakerChecker"/>,
/// placed before <c>UseFunctionInvocation()</c>). Outgoing: a gated call waiting for approval becomes a native
/// <see cref="ToolApprovalRequestContent"/> whose id is the gate request's id. Incoming: the chat user's
/// <see cref="ToolApprovalResponseContent"/> to it resumes the call through the gate, which runs it once if (and only
/// if) eligible reviewers have signed it off; before that the same approval request comes back and nothing runs.
/// </summary>
/// <remarks>
/// Approval contents of gated functions never reach the inner clients: a <see cref="FunctionInvokingChatClient"/>
/// would treat "approved" as permission to run the function again, which only reviewers can give.
/// </remarks>
public sealed class MakerCheckerChatClient : DelegatingChatClient
{
    /// <summary>Creates the client over <paramref name="innerClient"/> (a pipeline containing a <see cref="FunctionInvokingChatClient"/>).</summary>
    /// <param name="innerClient">The client to send requests on to.</param>
    public MakerCheckerChatClient(IChatClient innerClient)
        : base(innerClient)
    {
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var resumption = await ApprovalResumption.ResumeAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (resumption.Waiting.Count > 0) return resumption.WaitingResponse();

        var response = await base.GetResponseAsync(resumption.Messages, options, cancellationToken).ConfigureAwait(false);
        var surfaced = Surface(response.Messages);
        if (surfaced is not null || resumption.Added.Count > 0)
        {
            response.Messages = [.. resumption.Added, .. surfaced ?? response.Messages];
        }
        return response;
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var resumption = await ApprovalResumption.ResumeAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var message in resumption.Added) yield return new ChatResponseUpdate(message.Role, [.. message.Contents]);
        if (resumption.Waiting.Count > 0)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [.. resumption.Waiting]);
            yield break;
        }

        // A gated call is held back until its result shows whether it ran: a waiting one is shown as its approval request
        // instead, since an update already yielded cannot be taken back.
        var gated = GatedTools.Find(options);
        var held = new Dictionary<string, FunctionCallContent>(StringComparer.Ordinal);
        await foreach (var update in base.GetStreamingResponseAsync(resumption.Messages, options, cancellationToken).ConfigureAwait(false))
        {
            if (gated is null)
            {
                yield return update;
                continue;
            }
            List<AIContent>? kept = null;
            List<ChatResponseUpdate>? before = null;
            for (var i = 0; i < update.Contents.Count; i++)
            {
                var content = update.Contents[i];
                var mine = false;
                if (content is FunctionCallContent call && gated.ContainsKey(call.Name))
                {
                    held[call.CallId] = GatedTools.Fresh(call);
                    mine = true;
                }
                else if (content is FunctionResultContent result && held.Remove(result.CallId, out var heldCall))
                {
                    if (GatedCallResult.TryRead(result.Result, out var waiting) && waiting.IsWaiting)
                    {
                        (before ??= []).Add(new ChatResponseUpdate(ChatRole.Assistant, [GatedTools.ApprovalRequest(waiting, heldCall)]));
                        mine = true;
                    }
                    else
                    {
                        (before ??= []).Add(new ChatResponseUpdate(ChatRole.Assistant, [heldCall]));
                    }
                }
                if (mine) kept ??= [.. update.Contents.Take(i)];
                else kept?.Add(content);
            }
            if (before is not null) foreach (var b in before) yield return b;
            if (kept is null) yield return update;
            else if (kept.Count > 0) yield return GatedTools.With(update, kept);
        }
        // Calls the loop never ran (it stopped first) are passed on as the inner clients returned them.
        foreach (var call in held.Values) yield return new ChatResponseUpdate(ChatRole.Assistant, [call]);
    }

    /// <summary>
    /// The response messages with each waiting gated call (its call and its result) replaced by an approval request, or
    /// <see langword="null"/> when no call waits.
    /// </summary>
    private static List<ChatMessage>? Surface(IList<ChatMessage> messages)
    {
        Dictionary<string, GatedCallResult>? waiting = null;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is FunctionResultContent result && GatedCallResult.TryRead(result.Result, out var gated) && gated.IsWaiting)
                {
                    (waiting ??= new(StringComparer.Ordinal))[result.CallId] = gated;
                }
            }
        }
        if (waiting is null) return null;

        var surfaced = new List<ChatMessage>(messages.Count);
        foreach (var message in messages)
        {
            var contents = new List<AIContent>(message.Contents.Count);
            var changed = false;
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case FunctionResultContent result when waiting.ContainsKey(result.CallId):
                        changed = true;
                        break;
                    case FunctionCallContent call when waiting.TryGetValue(call.CallId, out var gated):
                        contents.Add(GatedTools.ApprovalRequest(gated, call));
                        changed = true;
                        break;
                    default:
                        contents.Add(content);
                        break;
                }
            }
            if (!changed) surfaced.Add(message);
            else if (contents.Count > 0) surfaced.Add(GatedTools.With(message, contents));
        }
        return surfaced;
    }
}
