namespace MakerChecker.Gates;

/// <summary>One page of a reviewer's queue (<see cref="ApprovalGate.GetReviewerQueuePage"/>).</summary>
/// <param name="Page">The requests on the page, oldest first.</param>
/// <param name="Total">How many requests match (the skill filter applied), on every page.</param>
/// <param name="Skills">How many requests the reviewer may sign, per skill (the skill filter not applied).</param>
public sealed record ReviewerQueuePage(IReadOnlyList<ApprovalRequest> Page, int Total, IReadOnlyDictionary<string, int> Skills);
