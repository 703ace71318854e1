using MakerChecker.Telemetry;
using Microsoft.Extensions.Logging;

namespace MakerChecker.Review;

/// <summary>
/// Keeps each reviewer's latest sign-offs and refusals over <see cref="ReviewMonitorOptions.Window"/>, judges them as
/// each one is recorded, and alerts when a finding appears or rises in severity. An alert is raised once per reviewer,
/// kind and crossing: it is raised again only after the finding has cleared (the window moved past it) or when it
/// becomes more severe. Only live sign-offs are fed in, never a replay of the log, so a restart does not repeat old
/// alerts; the window refills from new sign-offs.
/// </summary>
/// <remarks>
/// Each sign-off is judged from the reviewer's running figures (<see cref="ReviewerFigures"/>): what a finding's kind and
/// severity depend on, updated as the sign-off enters and the oldest leave, so judging does not grow with the window.
/// Only an alert runs <see cref="RubberStampDetector"/> over the window, for its message and evidence rows. Sign-offs
/// that arrive out of the detector's order (decided at, then seq) are judged by the detector itself until the window
/// is in order again.
/// </remarks>
internal sealed class ReviewMonitor(ReviewMonitorOptions options, TimeProvider time, ILogger logger, GateTelemetry telemetry)
{
    private readonly Dictionary<string, Reviewer> _reviewers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Record(SignOffRecord signOff) => Observe(signOff.ReviewerId, signOff, null);

    public void RecordRefused(RefusedSignOff refused) => Observe(refused.ReviewerId, null, refused);

    private void Observe(string reviewerId, SignOffRecord? signOff, RefusedSignOff? refused)
    {
        Reviewer? reviewer;
        lock (_lock)
        {
            if (!_reviewers.TryGetValue(reviewerId, out reviewer)) _reviewers[reviewerId] = reviewer = new Reviewer();
        }

        // One reviewer at a time per window; reviewers do not wait for each other's analysis.
        List<ReviewFinding>? alerts = null;
        lock (reviewer.Turn)
        {
            if (signOff is not null) reviewer.Add(signOff);
            if (refused is not null) reviewer.AddRefused(refused);
            reviewer.Trim(time.GetUtcNow() - options.Window, options.MaxSignOffsPerReviewer);
            var current = reviewer.Current(options, this);
            if (reviewer.Crossings(current))
            {
                alerts = [.. Judge(reviewer, options.Thresholds).Where(f => reviewer.Alerting.Contains(f.Kind))];
            }
        }
        if (alerts is not null) foreach (var finding in alerts) Alert(finding);
    }

    /// <summary>The detector's findings on the window, less shares judged on too few sign-offs.</summary>
    private List<ReviewFinding> Judge(Reviewer reviewer, ReviewDetectionOptions thresholds)
    {
        var evidence = new ReviewEvidence();
        for (var i = 0; i < reviewer.SignOffs.Count; i++) evidence.SignOffs.Add(reviewer.SignOffs[i]);
        for (var i = 0; i < reviewer.Refused.Count; i++) evidence.RefusedSignOffs.Add(reviewer.Refused[i]);
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
        private readonly List<(string Kind, FindingSeverity Severity)> _current = [];
        private readonly List<string> _cleared = [];
        private ReviewerFigures? _figures; // null while the window is out of order, or before the first judgement
        private int _inversions; // neighbours in the window out of the detector's order

        public Lock Turn { get; } = new();

        public RingBuffer<SignOffRecord> SignOffs { get; } = new();

        public RingBuffer<RefusedSignOff> Refused { get; } = new();

        /// <summary>The kinds of the latest crossings, the ones to alert.</summary>
        public HashSet<string> Alerting { get; } = new(StringComparer.Ordinal);

        public void Add(SignOffRecord signOff)
        {
            if (SignOffs.Count > 0 && OutOfOrder(SignOffs.Last, signOff)) _inversions++;
            SignOffs.Add(signOff);
            if (_inversions > 0) _figures = null;
            else _figures?.Add(signOff);
        }

        public void AddRefused(RefusedSignOff refused)
        {
            Refused.Add(refused);
            _figures?.AddRefused(refused);
        }

        public void Trim(DateTimeOffset since, int max)
        {
            while (SignOffs.Count > 0 && (SignOffs.Count > max || SignOffs.First.DecidedAt < since))
            {
                if (SignOffs.Count > 1 && OutOfOrder(SignOffs[0], SignOffs[1])) _inversions--;
                _figures?.RemoveOldest();
                SignOffs.RemoveFirst();
            }

            while (Refused.Count > 0 && (Refused.Count > max || Refused.First.At < since))
            {
                var leaving = Refused.RemoveFirst();
                _figures?.RemoveRefused(leaving);
            }
        }

        /// <summary>The kind and severity of each finding on the window now: from the running figures, or the detector while out of order.</summary>
        public List<(string Kind, FindingSeverity Severity)> Current(ReviewMonitorOptions options, ReviewMonitor monitor)
        {
            var enough = SignOffs.Count >= options.MinimumSignOffs;
            if (_inversions > 0)
            {
                _current.Clear();
                foreach (var f in monitor.Judge(this, options.Thresholds.WithEvidenceRows(1))) _current.Add((f.Kind, f.Severity));
                return _current;
            }

            var thresholds = ReviewerFigures.Thresholds.Of(options.Thresholds);
            if (_figures is null || _figures.Settings != thresholds)
            {
                _figures = new ReviewerFigures(thresholds);
                for (var i = 0; i < SignOffs.Count; i++) _figures.Add(SignOffs[i]);
                for (var i = 0; i < Refused.Count; i++) _figures.AddRefused(Refused[i]);
            }
            _figures.Judge(enough, _current);
            return _current;
        }

        /// <summary>
        /// Finds the findings that are new or more severe than when last raised (into <see cref="Alerting"/>) and forgets
        /// kinds that have cleared; true when there is any to alert.
        /// </summary>
        public bool Crossings(List<(string Kind, FindingSeverity Severity)> current)
        {
            Alerting.Clear();
            foreach (var (kind, severity) in current)
            {
                if (!_raised.TryGetValue(kind, out var was) || severity > was) Alerting.Add(kind);
            }
            foreach (var (kind, _) in _raised)
            {
                if (!Holds(current, kind)) _cleared.Add(kind);
            }
            foreach (var kind in _cleared) _raised.Remove(kind);
            _cleared.Clear();
            foreach (var (kind, severity) in current)
            {
                if (Alerting.Contains(kind)) _raised[kind] = severity;
            }
            return Alerting.Count > 0;
        }

        private static bool Holds(List<(string Kind, FindingSeverity Severity)> current, string kind)
        {
            foreach (var (k, _) in current)
            {
                if (k == kind) return true;
            }
            return false;
        }

        /// <summary>Whether <paramref name="next"/> comes before <paramref name="last"/> in the detector's order (decided at, then seq).</summary>
        private static bool OutOfOrder(SignOffRecord last, SignOffRecord next) =>
            next.DecidedAt < last.DecidedAt || (next.DecidedAt == last.DecidedAt && next.Seq < last.Seq);
    }
}
