using System.Diagnostics.Metrics;
using MakerChecker.Decisions;
using MakerChecker.Tests.Support;
using Microsoft.Extensions.Logging;
using static MakerChecker.Tests.Support.ClaimsFixture;

namespace MakerChecker.Tests.Gates;

public class TelemetryTests
{
    [Fact]
    public async Task Decisions_dwell_open_requests_and_warnings_are_emitted()
    {
        var logs = new ListLoggerFactory();
        await using var f = new ClaimsFixture(loggerFactory: logs);
        var measurements = new List<(string Name, double Value, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, f.Gate.Telemetry.Meter)) l.EnableMeasurementEvents(instrument);
        };
        void Record(Instrument i, double v, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? outcome = null;
            foreach (var t in tags) if (t.Key == "outcome") outcome = t.Value as string;
            lock (measurements) measurements.Add((i.Name, v, outcome));
        }
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();

        await f.Gate.InvokeAsync("bot", Flag, Claim(), f.Action);
        await f.Gate.InvokeAsync("clerk-1", Deny, Claim(), f.Action);
        var request = await f.OpenDenialAsync();
        await f.PresentAndApproveAsync(request.Id, "dr-a", TimeSpan.FromSeconds(40));
        await f.Gate.ApproveAsync(request.Id, "dr-b");
        listener.RecordObservableInstruments();

        Assert.Contains(measurements, m => m.Name == "makerchecker.decisions" && m.Outcome == "allowed");
        Assert.Contains(measurements, m => m.Name == "makerchecker.decisions" && m.Outcome == "refused");
        Assert.Contains(measurements, m => m.Name == "makerchecker.decisions" && m.Outcome == "approval_required");
        Assert.Contains(measurements, m => m.Name == "makerchecker.signoff.dwell" && m.Value == 40_000);
        Assert.Contains(measurements, m => m.Name == "makerchecker.requests.open" && m.Value == 1);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.EventId == 3002 && e.Message.Contains(ReasonCodes.SkillNotGranted, StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.EventId == 3006 && e.Message.Contains(ReasonCodes.NotPresented, StringComparison.Ordinal));
    }
}
