namespace MakerChecker.Gates;

/// <summary>
/// What the proposer says triggered the invocation, recorded with the request so that every automated decision links
/// to the rule and data behind it. Every field is optional, but an automated proposer should fill them all.
/// </summary>
/// <param name="RuleId">The proposer's own rule or screen that fired (for example <c>PXDX-42</c>).</param>
/// <param name="ModelVersion">The model or rule-set version that proposed the action.</param>
/// <param name="DatasetDigest">A digest of the dataset snapshot the proposal was computed from.</param>
/// <param name="Reason">Free text: why the proposer proposes this action.</param>
public sealed record ProposalBasis(string? RuleId = null, string? ModelVersion = null, string? DatasetDigest = null, string? Reason = null)
{
    /// <summary>The basis as <c>approval.requested</c> records it.</summary>
    internal Auditing.Events.RecordedBasis ToRecorded() => new(RuleId, ModelVersion, DatasetDigest, Reason);
}
