using MakerChecker.Audit.Stores;

namespace MakerChecker.Gates;

/// <summary>
/// The action ran (it completed, or it started and threw), but the audit log could not record how it ended
/// (<c>action.executed</c> or <c>action.failed</c>). Do not run it again: retrying the call would run it twice.
/// </summary>
/// <remarks>
/// The gate keeps the outcome in memory and records it when the store recovers: on its next call or
/// <see cref="ApprovalGate.RefreshAsync"/>. Until it has, it refuses new work on that log with an
/// <see cref="AuditStoreException"/> tagged <c>outcome_not_recorded</c>. If the append in fact became durable before
/// it failed, the gate finds the event when it reads the log back and records nothing twice. If the process ends
/// first, the log shows the action started without an outcome: an authorised principal records what happened with
/// <see cref="ApprovalGate.ResolveOutcomeAsync"/>.
/// </remarks>
public sealed class ActionOutcomeNotRecordedException : AuditStoreException
{
    /// <summary>Creates the exception for an action whose outcome could not be recorded.</summary>
    /// <param name="entityType"><c>invocation</c> or <c>approval_request</c>.</param>
    /// <param name="entityId">The invocation or request id.</param>
    /// <param name="outcomeEventType">The event the gate will record: <c>action.executed</c> or <c>action.failed</c>.</param>
    /// <param name="actionException">The action's own exception, when it threw.</param>
    /// <param name="innerException">The audit store's failure.</param>
    public ActionOutcomeNotRecordedException(string entityType, string entityId, string outcomeEventType, Exception? actionException, Exception innerException)
        : base(Describe(entityType, entityId, outcomeEventType, actionException, innerException), innerException)
    {
        EntityType = entityType;
        EntityId = entityId;
        OutcomeEventType = outcomeEventType;
        ActionException = actionException;
    }

    /// <summary>Creates the exception with a message only (for serializers and tests).</summary>
    /// <param name="message">The message.</param>
    public ActionOutcomeNotRecordedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and cause only (for serializers and tests).</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ActionOutcomeNotRecordedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with no message.</summary>
    public ActionOutcomeNotRecordedException() { }

    /// <summary><c>invocation</c> (an allowed or break-glass invocation) or <c>approval_request</c> (an executed request).</summary>
    public string EntityType { get; } = "";

    /// <summary>The invocation or request id the outcome will be recorded under.</summary>
    public string EntityId { get; } = "";

    /// <summary>The event the gate will record when the store recovers: <c>action.executed</c> or <c>action.failed</c>.</summary>
    public string OutcomeEventType { get; } = "";

    /// <summary>The action's own exception when it threw (the outcome is then <c>action.failed</c>); otherwise <see langword="null"/>.</summary>
    public Exception? ActionException { get; }

    private static string Describe(string entityType, string entityId, string outcome, Exception? actionException, Exception cause) =>
        $"The action of {entityType} {entityId} ran{(actionException is null ? "" : $" and threw {actionException.GetType().Name}")}, " +
        "but the audit log could not " +
        $"record {outcome}: {cause.Message} Do not run it again. The gate records {outcome} when the store recovers (on its next call or RefreshAsync) " +
        "and accepts no new work on this log until it has.";
}
