namespace MakerChecker.Gates;

/// <summary>
/// What an authorised principal states about an action that started and has no recorded outcome
/// (<see cref="ApprovalGate.ResolveOutcomeAsync"/>), recorded as <c>action.outcome_resolved</c>.
/// </summary>
public enum ActionResolution
{
    /// <summary>The action took effect. A request becomes <see cref="ApprovalStatus.Executed"/>.</summary>
    Executed,

    /// <summary>The action did not take effect. A request becomes <see cref="ApprovalStatus.Approved"/> again and may be executed once.</summary>
    NotExecuted,

    /// <summary>Whether it took effect cannot be established. A request is closed as <see cref="ApprovalStatus.Failed"/> and never runs again.</summary>
    Unknown,
}
