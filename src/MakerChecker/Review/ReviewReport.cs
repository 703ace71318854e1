namespace MakerChecker.Review;

/// <summary>Per skill, the share of automated decisions that a human reviewed, against the target.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="AutomatedDecisions">Invocations automation decided.</param>
/// <param name="Reviewed">Of those, how many reached an accepted human sign-off.</param>
/// <param name="Target">The target share (default 5%).</param>
public sealed record SkillReviewCoverage(string Skill, int AutomatedDecisions, int Reviewed, double Target)
{
    /// <summary>Reviewed ÷ automated decisions.</summary>
    public double Share => AutomatedDecisions == 0 ? 0 : (double)Reviewed / AutomatedDecisions;

    /// <summary>Whether the reviewed share meets the target.</summary>
    public bool MeetsTarget => AutomatedDecisions == 0 || Share >= Target;
}

/// <summary>Per skill, how requests age: opened, signed, still open, lapsed.</summary>
/// <param name="Skill">The skill.</param>
/// <param name="Opened">Requests opened.</param>
/// <param name="Expired">Requests whose lapse was recorded (<c>approval.expired</c>).</param>
/// <param name="StillOpen">Requests neither closed nor lapsed at the end of the evidence.</param>
/// <param name="MedianTimeToSignOff">Median time from opening to the first accepted sign-off, or <see langword="null"/> when none was signed.</param>
/// <param name="OldestOpenAge">The age of the oldest request still open at the end of the evidence, or <see langword="null"/>.</param>
public sealed record SkillAgeing(string Skill, int Opened, int Expired, int StillOpen, TimeSpan? MedianTimeToSignOff, TimeSpan? OldestOpenAge);

/// <summary>Per approver, the appeals against requests they approved: the downstream reversal rate.</summary>
/// <param name="ReviewerId">The approver.</param>
/// <param name="Appealed">Appeals with a recorded outcome against requests they approved.</param>
/// <param name="Overturned">Of those, how many were overturned.</param>
public sealed record ReviewerAppeals(string ReviewerId, int Appealed, int Overturned)
{
    /// <summary>Overturned ÷ appealed.</summary>
    public double OverturnRate => Appealed == 0 ? 0 : (double)Overturned / Appealed;
}

/// <summary>The detector's result: figures per reviewer, findings, review coverage per skill, and break-glass to review.</summary>
public sealed class ReviewReport
{
    internal ReviewReport(IReadOnlyList<ReviewerProfile> reviewers, IReadOnlyList<ReviewFinding> findings, IReadOnlyList<SkillReviewCoverage> coverage,
        IReadOnlyList<BreakGlassUse> breakGlass, ReviewDetectionOptions options, IReadOnlyList<PolicyActivationRecord>? policyActivations = null)
    {
        PolicyActivations = policyActivations ?? [];
        Reviewers = reviewers;
        Findings = findings;
        Coverage = coverage;
        BreakGlassAwaitingReview = breakGlass;
        Options = options;
    }

    /// <summary>One profile per reviewer, ordered by reviewer id.</summary>
    public IReadOnlyList<ReviewerProfile> Reviewers { get; }

    /// <summary>Every finding, most severe first.</summary>
    public IReadOnlyList<ReviewFinding> Findings { get; }

    /// <summary>Review coverage per skill.</summary>
    public IReadOnlyList<SkillReviewCoverage> Coverage { get; }

    /// <summary>Break-glass uses, all awaiting mandatory review.</summary>
    public IReadOnlyList<BreakGlassUse> BreakGlassAwaitingReview { get; }

    /// <summary>Every policy put in force, with its changes from the previous one; weakening changes are flagged.</summary>
    public IReadOnlyList<PolicyActivationRecord> PolicyActivations { get; }

    /// <summary>Per skill: requests opened, decided, still open (and the oldest one's age), and lapsed.</summary>
    public IReadOnlyList<SkillAgeing> Lapses { get; init; } = [];

    /// <summary>Per approver: appeals against requests they approved, and how many were overturned.</summary>
    public IReadOnlyList<ReviewerAppeals> Appeals { get; init; } = [];

    /// <summary>The thresholds the report was made with.</summary>
    public ReviewDetectionOptions Options { get; }

    /// <summary>The findings about one reviewer.</summary>
    /// <param name="reviewerId">The reviewer.</param>
    public IEnumerable<ReviewFinding> FindingsFor(string reviewerId) => Findings.Where(f => string.Equals(f.ReviewerId, reviewerId, StringComparison.Ordinal));
}
