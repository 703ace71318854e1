namespace MakerChecker.Decisions;

/// <summary>
/// What happened at a gate call: for an invocation, whether the action ran, waits for approval, or was refused; for a
/// presentation, sign-off or execution, what was recorded. Only <see cref="Refused"/> means the call was turned down.
/// </summary>
public enum DecisionOutcome
{
    /// <summary>Refused: nothing ran and the step was not accepted. The result carries the reason code and the rule that decided.</summary>
    Refused,

    /// <summary>Allowed: the invocation ran now (directly under its grant, or under break-glass).</summary>
    Allowed,

    /// <summary>Approval required: a request is opened and the action has not run.</summary>
    ApprovalRequired,

    /// <summary>Presented: the request's case was recorded as shown to the reviewer (dwell runs from the first presentation).</summary>
    Presented,

    /// <summary>
    /// Signed off: the reviewer's approval was recorded. The request is approved once enough eligible approvers have
    /// signed (see the request's status); it has not run.
    /// </summary>
    SignedOff,

    /// <summary>Rejected: the reviewer's rejection was recorded and the request is closed; it will never run.</summary>
    Rejected,

    /// <summary>Executed: the approved request's action ran (once; an approval authorises one execution).</summary>
    Executed,
}
