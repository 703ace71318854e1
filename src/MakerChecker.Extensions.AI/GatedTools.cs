using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI;

/// <summary>The gated functions among a request's tools, by name.</summary>
internal static class GatedTools
{
    public static Dictionary<string, MakerCheckerFunction>? Find(ChatOptions? options)
    {
        if (options?.Tools is not { Count: > 0 } tools) return null;
        Dictionary<string, MakerCheckerFunction>? found = null;
        foreach (var tool in tools)
        {
            if (tool.GetService<MakerCheckerFunction>() is { } gated)
            {
                (found ??= new(StringComparer.Ordinal))[tool.Name] = gated;
            }
        }
        return found;
    }

    /// <summary>
    /// A copy of <paramref name="call"/> the caller may hold: <see cref="FunctionInvokingChatClient"/> marks calls it
    /// handled <see cref="FunctionCallContent.InformationalOnly"/> and may change them after returning.
    /// </summary>
    public static FunctionCallContent Fresh(FunctionCallContent call) =>
        new(call.CallId, call.Name, call.Arguments is null ? null : new Dictionary<string, object?>(call.Arguments));

    public static ChatMessage With(ChatMessage message, IList<AIContent> contents) => new(message.Role, contents)
    {
        AuthorName = message.AuthorName,
        MessageId = message.MessageId,
        CreatedAt = message.CreatedAt,
        AdditionalProperties = message.AdditionalProperties,
        RawRepresentation = message.RawRepresentation,
    };

    public static ChatResponseUpdate With(ChatResponseUpdate update, IList<AIContent> contents) => new(update.Role, contents)
    {
        AuthorName = update.AuthorName,
        MessageId = update.MessageId,
        ResponseId = update.ResponseId,
        ConversationId = update.ConversationId,
        CreatedAt = update.CreatedAt,
        FinishReason = update.FinishReason,
        ModelId = update.ModelId,
        AdditionalProperties = update.AdditionalProperties,
        RawRepresentation = update.RawRepresentation,
    };

    /// <summary>The approval request that stands for a waiting call: its id is the gate request's id.</summary>
    public static ToolApprovalRequestContent ApprovalRequest(GatedCallResult waiting, FunctionCallContent call) =>
        new(waiting.RequestId!, Fresh(call))
        {
            AdditionalProperties = new()
            {
                ["makerchecker.status"] = waiting.Status,
                ["makerchecker.reason_code"] = waiting.ReasonCode,
                ["makerchecker.message"] = waiting.Message,
            },
        };
}
