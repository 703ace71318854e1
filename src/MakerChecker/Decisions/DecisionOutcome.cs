namespace MakerChecker.Decisions;

/// <summary>What the policy says about one invocation of a skill.</summary>
public enum DecisionOutcome
{
    /// <summary>Refused: the action must not run. The decision carries the reason code and the rule that decided.</summary>
    Refused,

    /// <summary>Allowed: the action may run now.</summary>
    Allowed,

    /// <summary>Approval required: a request is opened and the action has not run.</summary>
    ApprovalRequired,
}
