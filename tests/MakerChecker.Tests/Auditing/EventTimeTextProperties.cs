using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Stores;
using MakerChecker.Auditing;
using Microsoft.Extensions.Time.Testing;

namespace MakerChecker.Tests.Auditing;

/// <summary>
/// The gate's event times (seven digits of fraction) and the store's <c>occurredAt</c> (three) are written by hand, not
/// by the general date formatter: they must give the formatter's text digit for digit, for any instant and offset.
/// </summary>
public sealed class EventTimeTextProperties
{
    private static readonly Arbitrary<DateTimeOffset> Instants = Arb.From(
        from ticks in Gen.Choose(0, int.MaxValue).Select(high => (long)high)
        from low in Gen.Choose(0, int.MaxValue)
        from offsetMinutes in Gen.Choose(-14 * 60, 14 * 60)
        let margin = 14 * TimeSpan.TicksPerHour // any offset stays within DateTime's range
        let utcTicks = Math.Clamp(((ticks << 31) | (uint)low) % DateTime.MaxValue.Ticks, margin, DateTime.MaxValue.Ticks - margin)
        select new DateTimeOffset(utcTicks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes)));

    [Property(MaxTest = 3000)]
    public Property An_event_time_is_the_formatters_text() => Prop.ForAll(Instants, time =>
    {
        Span<char> text = stackalloc char[28];
        var written = AuditTime.Format(time, text);
        return (text[..written].ToString() == time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture))
            .Label(time.ToString("O", CultureInfo.InvariantCulture));
    });

    [Property(MaxTest = 500)]
    public Property A_stored_occurred_at_is_the_formatters_text() => Prop.ForAll(Instants, time =>
    {
        var store = new InMemoryAuditStore(timeProvider: new FakeTimeProvider(time));
        var stored = store.ReadAsync().ToBlockingEnumerable().First();
        return (stored.OccurredAt == time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
            .Label(time.ToString("O", CultureInfo.InvariantCulture));
    });
}
