using System.Text.Json;
using MakerChecker.Gates;

namespace MakerChecker.Extensions.AI;

/// <summary>How a gated function names its principal and states its basis.</summary>
/// <remarks>
/// The principal is resolved, in order, by <see cref="PrincipalResolver"/>, <see cref="PrincipalId"/>, and the chat
/// request's <c>ChatOptions.AdditionalProperties[<see cref="PrincipalPropertyName"/>]</c> (a string, or a JSON string
/// after a round trip). A call whose principal cannot be resolved throws <see cref="InvalidOperationException"/>: the
/// gate never guesses who acts.
/// </remarks>
public sealed class MakerCheckerFunctionOptions
{
    /// <summary>The default <see cref="PrincipalPropertyName"/>.</summary>
    public const string DefaultPrincipalPropertyName = "makerchecker.principal";

    /// <summary>A fixed principal id: the agent this function always acts as. <value>The default value is <see langword="null"/>.</value></summary>
    public string? PrincipalId { get; set; }

    /// <summary>
    /// Names the principal of one call (for example from <see cref="MakerCheckerToolCall.Invocation"/>); returning
    /// <see langword="null"/> falls through to <see cref="PrincipalId"/> and the chat options.
    /// <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    public Func<MakerCheckerToolCall, string?>? PrincipalResolver { get; set; }

    /// <summary>
    /// The key in <c>ChatOptions.AdditionalProperties</c> that holds the principal id.
    /// <value>The default value is <see cref="DefaultPrincipalPropertyName"/>.</value>
    /// </summary>
    public string PrincipalPropertyName { get; set; } = DefaultPrincipalPropertyName;

    /// <summary>
    /// Supplies the proposer's basis for a call (its rule, model version, dataset digest and reason), recorded with any
    /// request opened. <value>The default value is <see langword="null"/> (no basis).</value>
    /// </summary>
    public Func<MakerCheckerToolCall, ProposalBasis?>? BasisFactory { get; set; }

    /// <summary>
    /// How the call's arguments are turned into the gate payload (JSON).
    /// <value>The default value is <see langword="null"/>: the function's own <c>JsonSerializerOptions</c>.</value>
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    internal MakerCheckerFunctionOptions Clone() => (MakerCheckerFunctionOptions)MemberwiseClone();
}
