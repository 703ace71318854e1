namespace MakerChecker.Review;

/// <summary>One reviewer's figures over the analysed sign-offs.</summary>
public sealed class ReviewerProfile
{
    internal ReviewerProfile(string reviewerId, IReadOnlyList<SignOffRecord> signOffs)
    {
        ReviewerId = reviewerId;
        SignOffs = signOffs;
    }

    /// <summary>The reviewer.</summary>
    public string ReviewerId { get; }

    /// <summary>The reviewer's accepted sign-offs, in time order.</summary>
    public IReadOnlyList<SignOffRecord> SignOffs { get; }

    /// <summary>How many sign-offs.</summary>
    public int Count => SignOffs.Count;

    /// <summary>How many approvals (agreement with the proposer).</summary>
    public int Approvals { get; internal init; }

    /// <summary>Approvals ÷ sign-offs.</summary>
    public double ApprovalRate => Count == 0 ? 0 : (double)Approvals / Count;

    /// <summary>Median dwell in milliseconds over sign-offs with a presentation, or <see langword="null"/> when none had one.</summary>
    public long? MedianDwellMs { get; internal init; }

    /// <summary>10th percentile of dwell in milliseconds.</summary>
    public long? P10DwellMs { get; internal init; }

    /// <summary>90th percentile of dwell in milliseconds.</summary>
    public long? P90DwellMs { get; internal init; }

    /// <summary>Median queue time (presented − requested) in milliseconds; kept apart from dwell.</summary>
    public long? MedianQueueMs { get; internal init; }

    /// <summary>The share of sign-offs with dwell under the fast threshold (sign-offs without presentation excluded).</summary>
    public double FastShare { get; internal init; }

    /// <summary>How many sign-offs had dwell under the fast threshold.</summary>
    public int FastCount { get; internal init; }

    /// <summary>How many sign-offs had no presentation on record.</summary>
    public int WithoutPresentation { get; internal init; }

    /// <summary>The most sign-offs in any sliding hour.</summary>
    public int PeakPerHour { get; internal init; }

    /// <summary>How many sign-offs were part of a burst.</summary>
    public int InBursts { get; internal init; }

    /// <summary>How many sign-off attempts the gate refused as too fast.</summary>
    public int RefusedTooFast { get; internal init; }
}
