namespace MakerChecker.Review;

/// <summary>
/// One reviewer's running figures over the review monitor's window, kept as sign-offs enter (newest) and leave (oldest),
/// from which the kind and severity of every finding <see cref="RubberStampDetector"/> would report on that window are
/// read without running it: counts for shares, agreement, missing presentations and case sizes; the dwells kept sorted
/// for the uniform-dwell percentiles; for bursts and capacity, how many runs of sign-offs are tight enough (a burst is
/// <c>burst_count</c> sign-offs with one outcome within <c>burst_window</c>; over capacity is more than
/// <c>capacity_per_hour</c> within an hour), and which sign-offs such a burst covers. The detector's rules, re-stated
/// for one end of the window at a time: the monitor's property test holds them equal to the detector's findings.
/// </summary>
/// <remarks>
/// Sign-offs must enter in the detector's order (decided at, then seq); the monitor rebuilds the figures, or asks the
/// detector itself, when they do not. Each sign-off costs O(<c>burst_count</c>) plus a binary search in the dwells.
/// </remarks>
internal sealed class ReviewerFigures(ReviewerFigures.Thresholds thresholds)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly RingBuffer<Entry> _all = new();
    private readonly RingBuffer<Entry> _approved = new();
    private readonly RingBuffer<Entry> _rejected = new();
    private readonly List<long> _dwells = []; // presented sign-offs' dwell in ms, sorted
    private readonly Dictionary<string, int> _burstReasons = new(StringComparer.OrdinalIgnoreCase);
    private int _presented;
    private int _fast;
    private int _approvals;
    private int _thin;
    private int _veryThin;
    private int _overCapacityRuns;
    private int _overDoubleCapacityRuns;
    private int _inBurst;
    private int _inBurstPresented;
    private int _inBurstFast;
    private int _sameReasonGroups;
    private int _refusedTooFast;

    /// <summary>The thresholds the figures were kept against; the monitor starts again when they change.</summary>
    public Thresholds Settings => thresholds;

    /// <summary>A sign-off entering the window; it is the newest in the detector's order.</summary>
    public void Add(SignOffRecord signOff)
    {
        var entry = new Entry(signOff, thresholds);
        _all.Add(entry);
        if (entry.Presented)
        {
            _presented++;
            if (entry.Fast) _fast++;
            if (entry.Thin) _thin++;
            if (entry.VeryThin) _veryThin++;
            var at = _dwells.BinarySearch(entry.DwellMs);
            _dwells.Insert(at < 0 ? ~at : at, entry.DwellMs);
        }
        if (signOff.Approved) _approvals++;

        var n = _all.Count - 1;
        if (n >= thresholds.CapacityPerHour && signOff.DecidedAt - _all[n - thresholds.CapacityPerHour].SignOff.DecidedAt < Hour) _overCapacityRuns++;
        if (n >= 2L * thresholds.CapacityPerHour && signOff.DecidedAt - _all[n - (2 * thresholds.CapacityPerHour)].SignOff.DecidedAt < Hour)
        {
            _overDoubleCapacityRuns++;
        }

        var outcome = signOff.Approved ? _approved : _rejected;
        outcome.Add(entry);
        var m = outcome.Count - 1;
        var span = thresholds.BurstCount - 1;
        if (m >= span && signOff.DecidedAt - outcome[m - span].SignOff.DecidedAt <= thresholds.BurstWindow)
        {
            for (var i = m - span; i <= m; i++) Cover(outcome[i], +1);
        }
    }

    /// <summary>The oldest sign-off leaving the window (the first in the detector's order).</summary>
    public void RemoveOldest()
    {
        var entry = _all[0];
        var n = _all.Count - 1;
        if (n >= thresholds.CapacityPerHour && _all[thresholds.CapacityPerHour].SignOff.DecidedAt - entry.SignOff.DecidedAt < Hour) _overCapacityRuns--;
        if (n >= 2L * thresholds.CapacityPerHour && _all[2 * thresholds.CapacityPerHour].SignOff.DecidedAt - entry.SignOff.DecidedAt < Hour)
        {
            _overDoubleCapacityRuns--;
        }
        _all.RemoveFirst();

        var outcome = entry.SignOff.Approved ? _approved : _rejected;
        var span = thresholds.BurstCount - 1;
        if (outcome.Count - 1 >= span && outcome[span].SignOff.DecidedAt - entry.SignOff.DecidedAt <= thresholds.BurstWindow)
        {
            for (var i = 0; i <= span; i++) Cover(outcome[i], -1);
        }
        outcome.RemoveFirst();

        if (entry.Presented)
        {
            _presented--;
            if (entry.Fast) _fast--;
            if (entry.Thin) _thin--;
            if (entry.VeryThin) _veryThin--;
            _dwells.RemoveAt(_dwells.BinarySearch(entry.DwellMs));
        }
        if (entry.SignOff.Approved) _approvals--;
    }

    /// <summary>A refused sign-off entering the window (refusals are only counted, so their order does not matter).</summary>
    public void AddRefused(RefusedSignOff refused)
    {
        if (refused.ReasonCode == ReviewTooFast) _refusedTooFast++;
    }

    /// <summary>A refused sign-off leaving the window.</summary>
    public void RemoveRefused(RefusedSignOff refused)
    {
        if (refused.ReasonCode == ReviewTooFast) _refusedTooFast--;
    }

    /// <summary>
    /// The kind and severity of each finding at warning or above that the detector reports on the window, in no
    /// particular order; a fast-dwell share only when the window holds <paramref name="enough"/> sign-offs.
    /// </summary>
    public void Judge(bool enough, List<(string Kind, FindingSeverity Severity)> findings)
    {
        findings.Clear();
        var fastShare = _presented == 0 ? 0 : (double)_fast / _presented;
        if (enough && fastShare >= thresholds.FastShareWarning && _fast > 0)
        {
            findings.Add((FindingKinds.FastDwell, fastShare >= thresholds.FastShareHigh ? FindingSeverity.High : FindingSeverity.Warning));
        }
        if (_inBurst > 0)
        {
            // The detector's median of the burst's dwells (nearest rank) is below fast_dwell exactly when that many are.
            var fastMedian = _inBurstPresented > 0 && _inBurstFast >= (int)Math.Ceiling(0.5 * _inBurstPresented);
            findings.Add((FindingKinds.Burst, fastMedian ? FindingSeverity.High : FindingSeverity.Warning));
        }
        if (_sameReasonGroups > 0) findings.Add((FindingKinds.SameReasonBurst, FindingSeverity.Warning));
        if (_thin > 0) findings.Add((FindingKinds.DwellBelowCaseSize, _veryThin > 0 ? FindingSeverity.High : FindingSeverity.Warning));
        if (_all.Count > _presented) findings.Add((FindingKinds.MissingPresentation, FindingSeverity.Warning));
        if (_dwells.Count >= thresholds.MinimumVolume)
        {
            var median = RubberStampDetector.Percentile(_dwells, 0.5)!.Value;
            var spread = median > 0
                ? (double)(RubberStampDetector.Percentile(_dwells, 0.9)!.Value - RubberStampDetector.Percentile(_dwells, 0.1)!.Value) / median
                : 0;
            if (spread < thresholds.UniformDwellVariation) findings.Add((FindingKinds.UniformDwell, FindingSeverity.Warning));
        }
        if (_all.Count >= thresholds.MinimumVolume && (double)_approvals / _all.Count >= thresholds.AgreementRate)
        {
            findings.Add((FindingKinds.HighAgreement, FindingSeverity.Warning));
        }
        if (_overCapacityRuns > 0) findings.Add((FindingKinds.OverCapacity, _overDoubleCapacityRuns > 0 ? FindingSeverity.High : FindingSeverity.Warning));
        if (_refusedTooFast >= 3) findings.Add((FindingKinds.RefusedTooFast, FindingSeverity.Warning));
    }

    private const string ReviewTooFast = "review_too_fast";

    /// <summary>One more (or one fewer) tight run covers <paramref name="entry"/>; it is in a burst while any does.</summary>
    private void Cover(Entry entry, int by)
    {
        var was = entry.Coverage;
        entry.Coverage += by;
        if (was == 0 && entry.Coverage > 0) CountInBurst(entry, +1);
        else if (was > 0 && entry.Coverage == 0) CountInBurst(entry, -1);
    }

    private void CountInBurst(Entry entry, int by)
    {
        _inBurst += by;
        if (entry.Presented)
        {
            _inBurstPresented += by;
            if (entry.BurstFast) _inBurstFast += by;
        }
        if (entry.ReasonKey is not { } key) return;
        var count = _burstReasons.GetValueOrDefault(key) + by;
        if (by > 0 && count == thresholds.BurstCount) _sameReasonGroups++;
        if (by < 0 && count == thresholds.BurstCount - 1) _sameReasonGroups--;
        if (count == 0) _burstReasons.Remove(key);
        else _burstReasons[key] = count;
    }

    /// <summary>The thresholds the figures depend on (the detector's, read once).</summary>
    internal readonly record struct Thresholds(
        TimeSpan FastDwell, double FastShareWarning, double FastShareHigh, int BurstCount, TimeSpan BurstWindow, int CapacityPerHour,
        double AgreementRate, int MinimumVolume, double UniformDwellVariation, TimeSpan MinDwellPerCaseUnit)
    {
        public static Thresholds Of(ReviewDetectionOptions o) => new(
            o.FastDwell, o.FastShareWarning, o.FastShareHigh, o.BurstCount, o.BurstWindow, o.CapacityPerHour, o.AgreementRate, o.MinimumVolume,
            o.UniformDwellVariation, o.MinDwellPerCaseUnit);
    }

    /// <summary>A sign-off in the window, with what the detector's rules read of it worked out once.</summary>
    private sealed class Entry
    {
        public Entry(SignOffRecord signOff, Thresholds t)
        {
            SignOff = signOff;
            if (signOff.Dwell is { } dwell)
            {
                Presented = true;
                DwellMs = (long)dwell.TotalMilliseconds;
                Fast = dwell < t.FastDwell;
                BurstFast = DwellMs < (long)t.FastDwell.TotalMilliseconds;
                if (signOff.CaseSize is { } size)
                {
                    var perUnit = dwell.TotalMilliseconds / size;
                    var minMs = t.MinDwellPerCaseUnit.TotalMilliseconds;
                    Thin = perUnit < minMs;
                    VeryThin = Thin && perUnit < minMs / 10;
                }
            }
            ReasonKey = string.IsNullOrWhiteSpace(signOff.Reason) ? null : signOff.Reason.Trim();
        }

        public SignOffRecord SignOff { get; }
        public bool Presented { get; }
        public long DwellMs { get; }
        public bool Fast { get; }
        public bool BurstFast { get; }
        public bool Thin { get; }
        public bool VeryThin { get; }
        public string? ReasonKey { get; }
        public int Coverage { get; set; }
    }
}
