using BenchmarkDotNet.Attributes;
using MakerChecker.Review;
using MakerChecker.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace MakerChecker.Benchmarks.Review;

/// <summary>
/// What the review monitor adds to each accepted sign-off: the detector over the reviewer's window (a steady 45 s
/// reviewer, so no alert fires), with the window full at <see cref="Window"/> sign-offs.
/// </summary>
[MemoryDiagnoser]
public class ReviewMonitorBenchmarks
{
    private readonly SteppingClock _time = new();
    private GateTelemetry _telemetry = null!;
    private ReviewMonitor _monitor = null!;
    private long _seq;

    /// <summary>How many of the reviewer's latest sign-offs the window holds.</summary>
    [Params(50, 200, 500)]
    public int Window { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _telemetry = new GateTelemetry(() => 0);
        _monitor = new ReviewMonitor(new ReviewMonitorOptions { MaxSignOffsPerReviewer = Window }, _time, NullLogger.Instance, _telemetry);
        for (var i = 0; i < Window; i++) RecordOne();
    }

    [GlobalCleanup]
    public void Cleanup() => _telemetry.Dispose();

    /// <summary>One sign-off recorded into a full window.</summary>
    [Benchmark]
    public void RecordSignOff() => RecordOne();

    private void RecordOne()
    {
        var presented = _time.Now;
        // Dwell varies from 30 to 60 s, as real cases do, and about a third are rejected.
        _time.Now += TimeSpan.FromSeconds(30 + (_seq * 7 % 31));
        _monitor.Record(new SignOffRecord(++_seq, "req", "dr.steady", "coverage.deny@1", _seq % 3 != 0, presented, presented, _time.Now, null));
        _time.Now += TimeSpan.FromSeconds(90);
    }

    private sealed class SteppingClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
