using Microsoft.Extensions.AI;

namespace MakerChecker.Extensions.AI;

/// <summary>
/// One call of a gated function, as the principal resolver and the basis factory see it: the function, the arguments
/// the model passed, and where known the function-calling loop's context and the request's chat options.
/// </summary>
public sealed class MakerCheckerToolCall
{
    internal MakerCheckerToolCall(
        string functionName, string skill, AIFunctionArguments arguments, FunctionInvocationContext? invocation, ChatOptions? chatOptions)
    {
        FunctionName = functionName;
        Skill = skill;
        Arguments = arguments;
        Invocation = invocation;
        ChatOptions = chatOptions;
    }

    /// <summary>The function's name, as the model called it.</summary>
    public string FunctionName { get; }

    /// <summary>The skill the function is gated as, <c>name@version</c>.</summary>
    public string Skill { get; }

    /// <summary>The call's arguments: the gate payload, which any approval is bound to.</summary>
    public AIFunctionArguments Arguments { get; }

    /// <summary>
    /// The function-calling loop's context (<see cref="FunctionInvokingChatClient.CurrentContext"/>) when the call comes from
    /// a <see cref="FunctionInvokingChatClient"/>; <see langword="null"/> when the function is invoked directly, and when a
    /// call is resumed by <see cref="MakerCheckerChatClient"/>.
    /// </summary>
    public FunctionInvocationContext? Invocation { get; }

    /// <summary>The chat request's options (from <see cref="Invocation"/>, or the resumed request's), or <see langword="null"/>.</summary>
    public ChatOptions? ChatOptions { get; }
}
