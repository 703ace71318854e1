using MakerChecker.Decisions;
using MakerChecker.Policy.Model;

namespace MakerChecker.Gates;

/// <summary>
/// What a gate call did: for an invocation, whether the action ran, a request was opened, or it was refused; for a
/// presentation, sign-off or execution, what was recorded (<see cref="DecisionOutcome"/>). A refusal carries a stable
/// reason code, the rule that decided (when one did), the policy hash and a message saying what to fix.
/// </summary>
public sealed class GateResult
{
    // The outcome, reason code, rule, policy hash and sampling are the decision's (one copy of each, not two); a result
    // given its message keeps them in a decision made for it, whose own message is never read.
    private readonly Decision _decision;
    private string? _message;

    internal GateResult(
        DecisionOutcome outcome, string reasonCode, SourceLocation rule, string policyHash, string message,
        ApprovalRequest? request = null, bool sampled = false, bool replay = false)
        : this(new Decision(outcome, reasonCode, rule, policyHash, principalId: "", skill: "", grant: null, sampled), request)
    {
        IsReplay = replay;
        _message = message;
    }

    /// <summary>A result that formats its message from <paramref name="decision"/> only if someone reads it.</summary>
    private GateResult(in Decision decision, ApprovalRequest? request)
    {
        _decision = decision;
        Request = request;
    }

    /// <summary>
    /// What happened. An invocation: <see cref="DecisionOutcome.Allowed"/> (the action ran, directly or under
    /// break-glass), <see cref="DecisionOutcome.ApprovalRequired"/> (a request was opened). A request step:
    /// <see cref="DecisionOutcome.Presented"/>, <see cref="DecisionOutcome.SignedOff"/> (an approval was recorded),
    /// <see cref="DecisionOutcome.Rejected"/> (a rejection was recorded; the request is closed) or
    /// <see cref="DecisionOutcome.Executed"/> (the approved action ran). Any call: <see cref="DecisionOutcome.Refused"/>.
    /// </summary>
    public DecisionOutcome Outcome => _decision.Outcome;

    /// <summary>The stable reason code (see <see cref="ReasonCodes"/>).</summary>
    public string ReasonCode => _decision.ReasonCode;

    /// <summary>The policy rule that decided, or <c>default</c> when no rule did (for example an unknown request); see <see cref="HasRule"/>.</summary>
    public SourceLocation Rule => _decision.Rule;

    /// <summary>Whether <see cref="Rule"/> points into the policy.</summary>
    public bool HasRule => Rule.File is not null;

    /// <summary>The hash of the policy in force.</summary>
    public string PolicyHash => _decision.PolicyHash;

    /// <summary>A sentence for people: what happened and, for a refusal, how to fix it.</summary>
    public string Message => _message ??= _decision.Message;

    /// <summary>The request concerned, as it stands after the call; <see langword="null"/> for invocations that opened none.</summary>
    public ApprovalRequest? Request { get; }

    /// <summary>Whether the invocation was sampled for review.</summary>
    public bool Sampled => _decision.Sampled;

    /// <summary>
    /// Whether this is the result of an earlier call with the same idempotency key, returned without deciding or running
    /// anything again (<see cref="ApprovalGate.InvokeAsync"/>).
    /// </summary>
    public bool IsReplay { get; }

    /// <summary>Whether the call was refused.</summary>
    public bool IsRefused => Outcome == DecisionOutcome.Refused;

    internal static GateResult From(in Decision decision, ApprovalRequest? request = null) => new(decision, request);

    /// <summary>This result with the request as it stands now.</summary>
    internal GateResult With(ApprovalRequest request) =>
        _message is null ? new(_decision, request) : new(Outcome, ReasonCode, Rule, PolicyHash, _message, request, Sampled);

    /// <summary>The outcome and reason code, for logs.</summary>
    public override string ToString() => HasRule ? $"{Outcome}: {ReasonCode} ({Rule})" : $"{Outcome}: {ReasonCode}";
}
