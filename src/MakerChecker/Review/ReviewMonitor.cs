using MakerChecker.Telemetry;
using Microsoft.Extensions.Logging;

namespace MakerChecker.Review;

/// <summary>
/// Keeps each reviewer's latest sign-offs and refusals over <see cref="ReviewMonitorOptions.Window"/>, runs the
/// detector over them as each one is recorded, and alerts when a finding appears or rises in severity. An alert is
/// raised once per reviewer, kind and crossing: it is raised again only after the finding has cleared (the window
/// moved past it) or when it becomes more severe. Only live sign-offs are fed in, never a replay of the log, so a
/// restart does not repeat old alerts; the window refills from new sign-offs.
/// </summary>
internal sealed class ReviewMonitor(ReviewMonitorOptions options, TimeProvider time, ILogger logger, GateTelemetry telemetry)
{
    private readonly Dictionary<string, Reviewer> _reviewers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Record(SignOffRecord signOff) => Observe(signOff.ReviewerId, r => r.SignOffs.Enqueue(signOff));

    public void RecordRefused(RefusedSignOff refused) => Observe(refused.ReviewerId, r => r.Refused.Enqueue(refused));

    private void Observe(string reviewerId, Action<Reviewer> add)
    {
        Reviewer? reviewer;
        lock (_lock)
        {
            if (!_reviewers.TryGetValue(reviewerId, out reviewer)) _reviewers[reviewerId] = reviewer = new Reviewer();
        }

        // One reviewer at a time per window; reviewers do not wait for each other's analysis.
        List<ReviewFinding> alerts;
        lock (reviewer.Turn)
        {
            add(reviewer);
            Trim(reviewer, time.GetUtcNow() - options.Window);
            // Judged on every sign-off, alerted rarely: the crossings are found without evidence rows (a finding's kind and
            // severity do not depend on them), and only an alert is judged again in full, with its evidence.
            var crossings = reviewer.Crossings(Judge(reviewer, options.Thresholds.WithEvidenceRows(1)));
            alerts = crossings.Count == 0
                ? crossings
                : [.. Judge(reviewer, options.Thresholds).Where(f => crossings.Exists(c => c.Kind == f.Kind))];
        }
        foreach (var finding in alerts) Alert(finding);
    }

    private void Trim(Reviewer reviewer, DateTimeOffset since)
    {
        while (reviewer.SignOffs.Count > 0
            && (reviewer.SignOffs.Count > options.MaxSignOffsPerReviewer || reviewer.SignOffs.Peek().DecidedAt < since))
        {
            reviewer.SignOffs.Dequeue();
        }

        while (reviewer.Refused.Count > 0 && (reviewer.Refused.Count > options.MaxSignOffsPerReviewer || reviewer.Refused.Peek().At < since))
        {
            reviewer.Refused.Dequeue();
        }
    }

    /// <summary>The detector's findings on the window, less shares judged on too few sign-offs.</summary>
    private List<ReviewFinding> Judge(Reviewer reviewer, ReviewDetectionOptions thresholds)
    {
        var evidence = new ReviewEvidence();
        foreach (var s in reviewer.SignOffs) evidence.SignOffs.Add(s);
        foreach (var r in reviewer.Refused) evidence.RefusedSignOffs.Add(r);
        var enough = reviewer.SignOffs.Count >= options.MinimumSignOffs;
        return [.. RubberStampDetector.Analyze(evidence, thresholds).Findings
            .Where(f => f.Severity >= FindingSeverity.Warning && (enough || f.Kind != FindingKinds.FastDwell))];
    }

    private void Alert(ReviewFinding finding)
    {
        var severity = finding.Severity.ToString().ToLowerInvariant();
        Log.ReviewFinding(logger, finding.ReviewerId, finding.Kind, severity, finding.Message);
        telemetry.ReviewFinding(finding.ReviewerId, finding.Kind, severity);
        try
        {
            options.OnFinding?.Invoke(finding);
        }
        catch (Exception ex)
        {
            Log.ReviewCallbackFailed(logger, ex, finding.ReviewerId, finding.Kind);
        }
    }

    private sealed class Reviewer
    {
        private readonly Dictionary<string, FindingSeverity> _raised = new(StringComparer.Ordinal);

        public Lock Turn { get; } = new();

        public Queue<SignOffRecord> SignOffs { get; } = new();

        public Queue<RefusedSignOff> Refused { get; } = new();

        /// <summary>The findings that are new or more severe than when last raised; forgets kinds that have cleared.</summary>
        public List<ReviewFinding> Crossings(List<ReviewFinding> current)
        {
            var alerts = current.Where(f => !_raised.TryGetValue(f.Kind, out var was) || f.Severity > was).ToList();
            foreach (var kind in _raised.Keys.Where(k => !current.Exists(f => f.Kind == k)).ToList()) _raised.Remove(kind);
            foreach (var f in alerts) _raised[f.Kind] = f.Severity;
            return alerts;
        }
    }
}
