using MakerChecker.Extensions.AI;
using MakerChecker.Gates;
using MakerChecker.Policy.Model;

namespace Microsoft.Extensions.AI;

/// <summary>Gates an <see cref="AIFunction"/> on a MakerChecker policy.</summary>
public static class MakerCheckerAIFunctionExtensions
{
    /// <summary>
    /// Returns <paramref name="function"/> gated as <paramref name="skill"/>: every call asks <paramref name="gate"/> first,
    /// with the call's arguments as the payload (see <see cref="MakerCheckerFunction"/>).
    /// </summary>
    /// <param name="function">The function that performs the action.</param>
    /// <param name="gate">The gate.</param>
    /// <param name="skill">The skill, <c>name@version</c> (for example <c>coverage.deny@1</c>).</param>
    /// <param name="options">Who the principal is and the proposer's basis.</param>
    /// <returns>The gated function.</returns>
    /// <exception cref="ArgumentException"><paramref name="skill"/> is not <c>name@version</c>.</exception>
    public static MakerCheckerFunction WithMakerChecker(this AIFunction function, ApprovalGate gate, string skill, MakerCheckerFunctionOptions options)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(skill);
        ArgumentNullException.ThrowIfNull(options);
        if (!SkillId.TryParse(skill, out _))
        {
            throw new ArgumentException($"'{skill}' is not a skill: write it as name@version, for example coverage.deny@1.", nameof(skill));
        }
        return new MakerCheckerFunction(function, gate, skill, options.Clone());
    }

    /// <summary>Returns <paramref name="function"/> gated as <paramref name="skill"/>, acting as the fixed principal <paramref name="principalId"/>.</summary>
    /// <param name="function">The function that performs the action.</param>
    /// <param name="gate">The gate.</param>
    /// <param name="skill">The skill, <c>name@version</c>.</param>
    /// <param name="principalId">The agent the function acts as.</param>
    /// <returns>The gated function.</returns>
    public static MakerCheckerFunction WithMakerChecker(this AIFunction function, ApprovalGate gate, string skill, string principalId) =>
        function.WithMakerChecker(gate, skill, new MakerCheckerFunctionOptions { PrincipalId = principalId });
}

/// <summary>Adds <see cref="MakerCheckerChatClient"/> to a chat pipeline.</summary>
public static class MakerCheckerChatClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="MakerCheckerChatClient"/>. Call it before <c>UseFunctionInvocation()</c>, so that it sits outside the
    /// function-calling loop: it turns waiting gated calls into <see cref="ToolApprovalRequestContent"/> and resumes them.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ChatClientBuilder UseMakerChecker(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new MakerCheckerChatClient(inner));
    }
}
