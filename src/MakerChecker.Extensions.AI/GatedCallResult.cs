using System.Text.Json;
using System.Text.Json.Serialization;
using MakerChecker.Gates;

namespace MakerChecker.Extensions.AI;

/// <summary>
/// What a gated function returns to the model when its action did not run: refused (with the reason code, the rule
/// that decided and a message the model can explain), waiting for approval (with the request id), or still pending.
/// A value, not an exception: a refusal is an answer, and must not count against the function-calling loop's error budget.
/// </summary>
/// <remarks>
/// Serialized as <c>{"gate":"makerchecker","status":…,"reason_code":…,"rule":…,"message":…,"request_id":…}</c>. After a
/// JSON round trip (a chat history stored and read back) <see cref="TryRead"/> recognizes it again.
/// </remarks>
public sealed class GatedCallResult
{
    /// <summary>The value of <see cref="Gate"/>, which marks a result as this type's after a JSON round trip.</summary>
    public const string GateName = "makerchecker";

    /// <summary>The call was refused; nothing ran.</summary>
    public const string Refused = "refused";

    /// <summary>A request was opened; nothing ran until eligible reviewers sign it off and the call is resumed.</summary>
    public const string ApprovalRequired = "approval_required";

    /// <summary>The call was resumed before enough sign-offs; nothing ran and the request stays open.</summary>
    public const string Pending = "pending";

    /// <summary>The chat user declined to resume the call; nothing ran and the request stays open for reviewers.</summary>
    public const string NotResumed = "not_resumed";

    /// <summary>
    /// The reason code of a resume that names a request opened for another skill than the function's: refused, nothing ran.
    /// </summary>
    public const string RequestSkillMismatch = "request_skill_mismatch";

    /// <summary>Creates a result.</summary>
    /// <param name="status">One of <see cref="Refused"/>, <see cref="ApprovalRequired"/>, <see cref="Pending"/>, <see cref="NotResumed"/>.</param>
    /// <param name="reasonCode">The gate's stable reason code.</param>
    /// <param name="rule">The policy rule that decided, as <c>file:line</c>, or <see langword="null"/>.</param>
    /// <param name="message">A sentence for the model and the user.</param>
    /// <param name="requestId">The approval request concerned, or <see langword="null"/>.</param>
    [JsonConstructor]
    public GatedCallResult(string status, string reasonCode, string? rule, string message, string? requestId)
    {
        Status = status;
        ReasonCode = reasonCode;
        Rule = rule;
        Message = message;
        RequestId = requestId;
    }

    /// <summary>Always <see cref="GateName"/>.</summary>
    [JsonPropertyName("gate")]
    [JsonPropertyOrder(-1)]
    public string Gate { get; } = GateName;

    /// <summary>What happened: <see cref="Refused"/>, <see cref="ApprovalRequired"/>, <see cref="Pending"/> or <see cref="NotResumed"/>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; }

    /// <summary>The gate's stable reason code (<c>skill_forbidden</c>, <c>approval_required</c>, <c>payload_mismatch</c>, …).</summary>
    [JsonPropertyName("reason_code")]
    public string ReasonCode { get; }

    /// <summary>The policy rule that decided, as <c>file:line</c>, or <see langword="null"/> when no rule did.</summary>
    [JsonPropertyName("rule")]
    public string? Rule { get; }

    /// <summary>What happened and what to do next, in a sentence.</summary>
    [JsonPropertyName("message")]
    public string Message { get; }

    /// <summary>The approval request concerned, or <see langword="null"/>.</summary>
    [JsonPropertyName("request_id")]
    public string? RequestId { get; }

    /// <summary>Whether the call is waiting for approval (<see cref="ApprovalRequired"/> or <see cref="Pending"/>) on a request.</summary>
    [JsonIgnore]
    public bool IsWaiting => Status is ApprovalRequired or Pending && RequestId is not null;

    /// <summary>Reads a function result as a gated call's result: this type itself, or its JSON form after a round trip.</summary>
    /// <param name="value">A <see cref="Microsoft.Extensions.AI.FunctionResultContent.Result"/>.</param>
    /// <param name="result">The result, when <paramref name="value"/> is one.</param>
    /// <returns>Whether <paramref name="value"/> is a gated call's result.</returns>
    public static bool TryRead(object? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GatedCallResult? result)
    {
        result = value as GatedCallResult;
        if (result is not null) return true;
        if (value is not JsonElement { ValueKind: JsonValueKind.Object } json) return false;
        if (!json.TryGetProperty("gate", out var gate) || gate.ValueKind != JsonValueKind.String || gate.GetString() != GateName) return false;
        string? Text(string name) => json.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (Text("status") is not { } status || Text("reason_code") is not { } code) return false;
        result = new GatedCallResult(status, code, Text("rule"), Text("message") ?? "", Text("request_id"));
        return true;
    }

    internal static GatedCallResult From(GateResult gate, string status) =>
        new(status, gate.ReasonCode, gate.HasRule ? gate.Rule.ToString() : null, gate.Message, gate.Request?.Id);

    /// <summary>The status and reason code, for logs.</summary>
    public override string ToString() => RequestId is null ? $"{Status}: {ReasonCode}" : $"{Status}: {ReasonCode} (request {RequestId})";
}
