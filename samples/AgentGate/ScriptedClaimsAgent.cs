using Microsoft.Extensions.AI;

/// <summary>
/// Plays the claims agent's model from a script, no LLM and no network: it answers each request with the next step
/// (a tool call, or a sentence that reads the last tool result back).
/// </summary>
internal sealed class ScriptedClaimsAgent(params Func<IReadOnlyList<ChatMessage>, ChatResponse>[] script) : IChatClient
{
    private int _next;

    public static Func<IReadOnlyList<ChatMessage>, ChatResponse> Call(string callId, string tool, Dictionary<string, object?> arguments) =>
        _ => new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, tool, arguments)]));

    public static Func<IReadOnlyList<ChatMessage>, ChatResponse> Report(string prefix) => messages =>
    {
        var last = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, $"{prefix} ({last?.Result})"));
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(_next < script.Length
            ? script[_next++]([.. messages])
            : throw new InvalidOperationException($"the agent's script has {script.Length} steps; step {_next + 1} was asked for"));

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
