using MakerChecker.Audit.Transparency;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Audit.Tests.Transparency;

public sealed class CheckpointScheduleTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Due_after_every_n_events()
    {
        var schedule = new CheckpointSchedule(everyEvents: 100, TimeSpan.FromMinutes(5), _time);
        Assert.False(schedule.IsDue(0));
        Assert.False(schedule.IsDue(99));
        Assert.True(schedule.IsDue(100));
        schedule.Signed(100);
        Assert.False(schedule.IsDue(199));
        Assert.True(schedule.IsDue(200));
    }

    [Fact]
    public void Due_after_the_interval_only_when_there_are_new_events()
    {
        var schedule = new CheckpointSchedule(everyEvents: 100, TimeSpan.FromMinutes(5), _time, signedSize: 40);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(schedule.IsDue(41));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(schedule.IsDue(40)); // nothing new to commit to
        Assert.True(schedule.IsDue(41));
        schedule.Signed(41);
        Assert.False(schedule.IsDue(42));
    }

    [Fact]
    public void An_export_or_on_demand_checkpoint_restarts_both_counters()
    {
        var schedule = new CheckpointSchedule(everyEvents: 10, TimeSpan.FromMinutes(1), _time);
        _time.Advance(TimeSpan.FromSeconds(50));
        schedule.Signed(7); // signed at export
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(schedule.IsDue(16));
        Assert.True(schedule.IsDue(17));
        schedule.Signed(3); // an older size never moves the count back
        Assert.True(schedule.IsDue(17));
    }

    [Fact]
    public void Nonsense_settings_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointSchedule(0, TimeSpan.FromMinutes(1), _time));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CheckpointSchedule(1, TimeSpan.Zero, _time));
    }
}
