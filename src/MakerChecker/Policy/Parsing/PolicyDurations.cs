using System.Globalization;
using System.Text.RegularExpressions;

namespace MakerChecker.Policy.Parsing;

/// <summary>Durations as policies write them: one or more number-unit pairs, largest unit first (<c>1h30m</c>, <c>500ms</c>).</summary>
internal static partial class PolicyDurations
{
    /// <summary>The longest duration a policy may state: ten years, far beyond any sensible gate.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var match = Pattern().Match(text);
        if (!match.Success) return false;
        long totalMs = 0;
        var previousUnitMs = long.MaxValue;
        foreach (Capture capture in match.Groups["part"].Captures)
        {
            var part = capture.Value;
            var unitStart = part.IndexOfAny(['m', 's', 'h', 'd']);
            if (!long.TryParse(part.AsSpan(0, unitStart), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)) return false;
            var unitMs = part[unitStart..] switch
            {
                "ms" => 1L,
                "s" => 1_000L,
                "m" => 60_000L,
                "h" => 3_600_000L,
                "d" => 86_400_000L,
                _ => 0L,
            };
            // Each unit once, largest first: "30s5m" is more likely a mistake than a meaning.
            if (unitMs == 0 || unitMs >= previousUnitMs || amount > Max.TotalMilliseconds / unitMs) return false;
            previousUnitMs = unitMs;
            totalMs += amount * unitMs;
        }
        if (totalMs > Max.TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>The shortest text that reads back as <paramref name="value"/>, for messages.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero) return "0s";
        var ms = (long)value.TotalMilliseconds;
        var parts = new List<string>();
        foreach (var (unit, size) in new[] { ("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1_000L), ("ms", 1L) })
        {
            if (ms >= size)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{ms / size}{unit}"));
                ms %= size;
            }
        }
        return string.Concat(parts);
    }

    [GeneratedRegex(@"^(?<part>[0-9]{1,12}(ms|s|m|h|d))+$")]
    private static partial Regex Pattern();
}
