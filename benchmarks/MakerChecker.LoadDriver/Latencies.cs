using System.Diagnostics;
using System.Globalization;

namespace MakerChecker.LoadDriver;

/// <summary>Latencies of completed operations (ticks of <see cref="Stopwatch"/>), one list per worker, merged at the end.</summary>
internal sealed class Latencies
{
    private readonly List<long> _ticks = [];

    public int Count => _ticks.Count;

    public void Add(long ticks) => _ticks.Add(ticks);

    public static Latencies Merge(IEnumerable<Latencies> parts)
    {
        var all = new Latencies();
        foreach (var p in parts) all._ticks.AddRange(p._ticks);
        all._ticks.Sort();
        return all;
    }

    public static Latencies FromMicroseconds(IEnumerable<long> micros)
    {
        var all = new Latencies();
        all._ticks.AddRange(micros.Select(us => us * Stopwatch.Frequency / 1_000_000));
        all._ticks.Sort();
        return all;
    }

    public IEnumerable<long> Microseconds => _ticks.Select(t => t * 1_000_000 / Stopwatch.Frequency);

    /// <summary>The q-quantile in milliseconds (nearest rank), of a merged (sorted) list.</summary>
    public string Ms(double q) => _ticks.Count == 0
        ? "-"
        : (_ticks[Math.Clamp((int)Math.Ceiling(q * _ticks.Count) - 1, 0, _ticks.Count - 1)] * 1000.0 / Stopwatch.Frequency).ToString("0.00", CultureInfo.InvariantCulture);
}
