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
    /// <summary>The largest case size accepted: more than this is a unit mistake (bytes for pages), not a case.</summary>
    public const int MaxCaseSize = 1_000_000;

    private readonly int? _caseSize;

    /// <summary>
    /// The case size: how much the reviewer must read to judge the case, in the app's own unit (pages, documents, line
    /// items), or <see langword="null"/> when not given. Recorded with the request; the rubber-stamp detector then judges
    /// dwell per unit of it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1 or above <see cref="MaxCaseSize"/>.</exception>
    public int? CaseSize
    {
        get => _caseSize;
        init
        {
            if (value is < 1 or > MaxCaseSize)
            {
                throw new ArgumentOutOfRangeException(nameof(CaseSize), value,
                    $"The proposal basis's case size was {value}: it must be between 1 and {MaxCaseSize} units of what the reviewer must read "
                        + "(pages, documents, line items); leave it null when the case has no meaningful size.");
            }
            _caseSize = value;
        }
    }

    /// <summary>The basis as <c>approval.requested</c> records it.</summary>
    internal Auditing.Events.RecordedBasis ToRecorded() => new(RuleId, ModelVersion, DatasetDigest, Reason, CaseSize);
}
