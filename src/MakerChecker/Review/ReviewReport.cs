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

    /// <summary>The thresholds the report was made with.</summary>
    public ReviewDetectionOptions Options { get; }

    /// <summary>The findings about one reviewer.</summary>
    /// <param name="reviewerId">The reviewer.</param>
    public IEnumerable<ReviewFinding> FindingsFor(string reviewerId) => Findings.Where(f => string.Equals(f.ReviewerId, reviewerId, StringComparison.Ordinal));
}
