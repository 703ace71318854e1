using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Review;
using MakerChecker.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Review;

/// <summary>
/// The review monitor judges each sign-off from running figures instead of running the detector over the window. These
/// properties hold it to the detector: on random sign-off sequences (bursts, fast and slow dwell, missing presentations,
/// case sizes, pasted reasons, refusals, out-of-order arrivals, thresholds changed on the fly), the figures report the
/// same kinds and severities as <see cref="RubberStampDetector"/> after every sign-off, and the monitor raises exactly
/// the alerts that judging the whole window with the detector on every sign-off (the monitor before the figures) raised.
/// </summary>
public sealed class ReviewMonitorProperties
{
    private const int Cases = 2000;
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly Arbitrary<int> Seeds = Arb.From(Gen.Choose(0, int.MaxValue));

    [Property(MaxTest = Cases)]
    public Property The_running_figures_report_what_the_detector_finds_after_every_sign_off() => Prop.ForAll(Seeds, seed =>
    {
        var random = new Random(seed);
        var thresholds = RandomThresholds(random);
        var figures = new ReviewerFigures(ReviewerFigures.Thresholds.Of(thresholds));
        var window = new Queue<SignOffRecord>();
        var refused = new Queue<RefusedSignOff>();
        var clock = new Sequence(random, outOfOrder: false);
        var max = random.Next(2, 40);
        var judged = new List<(string Kind, FindingSeverity Severity)>();
        for (var step = random.Next(1, 90); step > 0; step--)
        {
            if (random.NextDouble() < 0.15)
            {
                var r = clock.Refused("r1");
                refused.Enqueue(r);
                figures.AddRefused(r);
                if (refused.Count > max) figures.RemoveRefused(refused.Dequeue());
            }
            else
            {
                var s = clock.SignOff("r1");
                window.Enqueue(s);
                figures.Add(s);
                while (window.Count > max || (window.Count > 0 && random.NextDouble() < 0.05))
                {
                    window.Dequeue();
                    figures.RemoveOldest();
                }
            }

            var evidence = new ReviewEvidence();
            foreach (var item in window) evidence.SignOffs.Add(item);
            foreach (var item in refused) evidence.RefusedSignOffs.Add(item);
            var expected = RubberStampDetector.Analyze(evidence, thresholds).Findings
                .Where(f => f.Severity >= FindingSeverity.Warning).Select(f => (f.Kind, f.Severity)).Order().ToList();
            figures.Judge(enough: true, judged);
            if (!judged.Order().SequenceEqual(expected))
            {
                return false.Label(
                    $"seed {seed}, {window.Count} sign-offs: figures [{string.Join(", ", judged.Order())}], detector [{string.Join(", ", expected)}]");
            }
        }
        return true.ToProperty();
    });

    [Property(MaxTest = Cases)]
    public Property The_monitor_raises_exactly_the_alerts_of_the_detector_run_on_every_sign_off() => Prop.ForAll(Seeds, seed =>
    {
        var random = new Random(seed);
        var options = new ReviewMonitorOptions
        {
            Thresholds = RandomThresholds(random),
            Window = TimeSpan.FromMinutes(random.Next(5, 180)),
            MaxSignOffsPerReviewer = random.Next(2, 40),
            MinimumSignOffs = random.Next(1, 8),
        };
        var time = new FakeTimeProvider(Start);
        var clock = new Sequence(random, outOfOrder: random.NextDouble() < 0.5);
        var step = 0;
        var raised = new List<string>();
        options.OnFinding = f => raised.Add(Describe(step, f));
        using var telemetry = new GateTelemetry(() => 0);
        var monitor = new ReviewMonitor(options, time, NullLogger.Instance, telemetry);
        var reference = new DetectorOnEverySignOff(options, time);

        for (var steps = random.Next(1, 90); step < steps; step++)
        {
            if (random.NextDouble() < 0.03) options.Thresholds.BurstCount = random.Next(2, 5); // thresholds changed on the fly
            var reviewer = random.NextDouble() < 0.7 ? "r1" : "r2";
            if (random.NextDouble() < 0.15)
            {
                var r = clock.Refused(reviewer);
                monitor.RecordRefused(r);
                reference.Observe(reviewer, null, r, step);
            }
            else
            {
                var s = clock.SignOff(reviewer);
                monitor.Record(s);
                reference.Observe(reviewer, s, null, step);
            }
            time.SetUtcNow(clock.Now);
        }

        return raised.SequenceEqual(reference.Raised)
            .Label($"seed {seed}: monitor [{string.Join("; ", raised)}], detector on every sign-off [{string.Join("; ", reference.Raised)}]");
    });

    private static string Describe(int step, ReviewFinding f) => $"{step} {f.ReviewerId} {f.Kind} {f.Severity} {f.Count}";

    private static ReviewDetectionOptions RandomThresholds(Random random) => new()
    {
        FastDwell = TimeSpan.FromSeconds(10),
        FastShareWarning = 0.2,
        FastShareHigh = 0.5,
        BurstCount = random.Next(2, 6),
        BurstWindow = TimeSpan.FromSeconds(random.Next(5, 90)),
        CapacityPerHour = random.Next(1, 12),
        AgreementRate = new[] { 0.5, 0.8, 0.98, 1.0 }[random.Next(4)],
        MinimumVolume = random.Next(1, 12),
        UniformDwellVariation = new[] { 0.1, 0.5, 1.0 }[random.Next(3)],
        MinDwellPerCaseUnit = TimeSpan.FromSeconds(random.Next(1, 4)),
    };

    /// <summary>Sign-offs and refusals at a random pace, some with equal or (when asked) earlier decision times and seqs.</summary>
    private sealed class Sequence(Random random, bool outOfOrder)
    {
        private static readonly TimeSpan[] Steps =
        [
            TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(20),
            TimeSpan.FromSeconds(45), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(61),
        ];

        private static readonly TimeSpan[] Dwells =
        [
            TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1200), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(9999),
            TimeSpan.FromSeconds(10), TimeSpan.FromTicks(TimeSpan.TicksPerSecond * 10 + 5000), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45),
            TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(-300),
        ];

        private static readonly string?[] Reasons = [null, "", "  ", "ok", "OK ", "checked", "Checked", "fine"];
        private static readonly int?[] CaseSizes = [null, null, null, null, 0, 1, 3, 20, -1];
        private long _seq = 100;

        public DateTimeOffset Now { get; private set; } = Start;

        public SignOffRecord SignOff(string reviewer)
        {
            var (seq, at) = Next();
            var presented = random.NextDouble() < 0.15 ? (DateTimeOffset?)null : at - Dwells[random.Next(Dwells.Length)];
            return new SignOffRecord(seq, $"req-{seq}", reviewer, "deny@1", random.NextDouble() < 0.75, at - TimeSpan.FromMinutes(5), presented, at,
                Reasons[random.Next(Reasons.Length)])
            {
                CaseSize = CaseSizes[random.Next(CaseSizes.Length)],
            };
        }

        public RefusedSignOff Refused(string reviewer)
        {
            var (seq, at) = Next();
            return new RefusedSignOff(seq, $"req-{seq}", reviewer, random.NextDouble() < 0.7 ? "review_too_fast" : "approver_not_eligible", at, 800);
        }

        private (long Seq, DateTimeOffset At) Next()
        {
            Now += Steps[random.Next(Steps.Length)];
            var seq = _seq += random.Next(1, 3);
            if (!outOfOrder || random.NextDouble() >= 0.08) return (seq, Now);
            return random.NextDouble() < 0.5 ? (seq - 2, Now) : (seq, Now - TimeSpan.FromSeconds(random.Next(1, 120)));
        }
    }

    /// <summary>The monitor as it was before its running figures: the detector over the whole window on every sign-off.</summary>
    private sealed class DetectorOnEverySignOff(ReviewMonitorOptions options, TimeProvider time)
    {
        private readonly Dictionary<string, (Queue<SignOffRecord> SignOffs, Queue<RefusedSignOff> Refused, Dictionary<string, FindingSeverity> Raised)>
            _reviewers = [];

        public List<string> Raised { get; } = [];

        public void Observe(string reviewerId, SignOffRecord? signOff, RefusedSignOff? refused, int step)
        {
            if (!_reviewers.TryGetValue(reviewerId, out var reviewer)) _reviewers[reviewerId] = reviewer = ([], [], []);
            if (signOff is not null) reviewer.SignOffs.Enqueue(signOff);
            if (refused is not null) reviewer.Refused.Enqueue(refused);
            var since = time.GetUtcNow() - options.Window;
            var max = options.MaxSignOffsPerReviewer;
            while (reviewer.SignOffs.Count > 0 && (reviewer.SignOffs.Count > max || reviewer.SignOffs.Peek().DecidedAt < since)) reviewer.SignOffs.Dequeue();
            while (reviewer.Refused.Count > 0 && (reviewer.Refused.Count > max || reviewer.Refused.Peek().At < since)) reviewer.Refused.Dequeue();

            var evidence = new ReviewEvidence();
            foreach (var item in reviewer.SignOffs) evidence.SignOffs.Add(item);
            foreach (var item in reviewer.Refused) evidence.RefusedSignOffs.Add(item);
            var enough = reviewer.SignOffs.Count >= options.MinimumSignOffs;
            var current = RubberStampDetector.Analyze(evidence, options.Thresholds).Findings
                .Where(f => f.Severity >= FindingSeverity.Warning && (enough || f.Kind != FindingKinds.FastDwell)).ToList();
            var alerts = current.Where(f => !reviewer.Raised.TryGetValue(f.Kind, out var was) || f.Severity > was).ToList();
            foreach (var kind in reviewer.Raised.Keys.Where(k => !current.Exists(f => f.Kind == k)).ToList()) reviewer.Raised.Remove(kind);
            foreach (var f in alerts)
            {
                reviewer.Raised[f.Kind] = f.Severity;
                Raised.Add(Describe(step, f));
            }
        }
    }
}
