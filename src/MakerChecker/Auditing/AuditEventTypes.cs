namespace MakerChecker.Auditing;

/// <summary>
/// The event types the decision engine and gates write to the audit log. Every event carries the policy hash;
/// decision events also carry the reason code and the rule. Each type's payload is a record of
/// <see cref="Events.AuditEventCatalogue"/>, listed field by field in <c>docs/audit-events.md</c>.
/// </summary>
public static class AuditEventTypes
{
    /// <summary>A policy took effect (its hash, name, version, canonical form, and who activated it).</summary>
    public const string PolicyActivated = "policy.activated";

    /// <summary>A principal was registered or changed at run time (its id, kind, role, status and owner).</summary>
    public const string PrincipalRegistered = "principal.registered";

    /// <summary>An invocation was allowed; its action runs next.</summary>
    public const string DecisionAllowed = "decision.allowed";

    /// <summary>An invocation, break-glass or execution was refused, with the reason code and rule.</summary>
    public const string DecisionRefused = "decision.refused";

    /// <summary>A gated invocation opened an approval request, bound to its payload digest and the proposer's basis.</summary>
    public const string ApprovalRequested = "approval.requested";

    /// <summary>A request's case was shown to a reviewer.</summary>
    public const string ApprovalPresented = "approval.presented";

    /// <summary>A reviewer approved or rejected a request, with presented-at, decided-at and dwell.</summary>
    public const string ApprovalDecided = "approval.decided";

    /// <summary>A sign-off was refused (for example too fast, not presented, or by the requester).</summary>
    public const string SignOffRefused = "approval.signoff_refused";

    /// <summary>An approved request passed its execution checks and its action is about to run (at most once).</summary>
    public const string ActionStarted = "action.started";

    /// <summary>An action ran to completion.</summary>
    public const string ActionExecuted = "action.executed";

    /// <summary>An action threw; the request (if any) is closed as failed.</summary>
    public const string ActionFailed = "action.failed";

    /// <summary>
    /// An action that started (<c>action.started</c>, <c>decision.allowed</c> or <c>breakglass.invoked</c>) and has no recorded
    /// outcome was resolved: <c>executed</c>, <c>not_executed</c> or <c>unknown</c>, with a reason, by an authorised principal or,
    /// when the gate itself knows the action never ran, by the gate (actor <c>system</c>).
    /// </summary>
    public const string ActionOutcomeResolved = "action.outcome_resolved";

    /// <summary>A gated skill ran without approval under break-glass; listed for mandatory review.</summary>
    public const string BreakGlassInvoked = "breakglass.invoked";

    /// <summary>An open request passed its expiry without running; recorded once, when a gate first observes it.</summary>
    public const string ApprovalExpired = "approval.expired";

    /// <summary>The app reported the outcome of an appeal against an executed request: upheld or overturned.</summary>
    public const string AppealRecorded = "appeal.recorded";

    /// <summary>A break-glass use was reviewed afterwards (accepted, or escalated with a reason); it leaves the list awaiting review.</summary>
    public const string BreakGlassReviewed = "breakglass.reviewed";

    /// <summary>A gate recorded the hash of a snapshot of its state at a seq; it changes no gate state.</summary>
    public const string GateSnapshotRecorded = "gate.snapshot_recorded";
}
