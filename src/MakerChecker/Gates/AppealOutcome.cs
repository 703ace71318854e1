namespace MakerChecker.Gates;

/// <summary>How an appeal against an executed request ended (<c>ApprovalGate.RecordAppealAsync</c>), recorded as <c>appeal.recorded</c>.</summary>
public enum AppealOutcome
{
    /// <summary>The decision stands.</summary>
    Upheld,

    /// <summary>The decision was reversed on appeal: it counts against the approvers who signed it.</summary>
    Overturned,
}
