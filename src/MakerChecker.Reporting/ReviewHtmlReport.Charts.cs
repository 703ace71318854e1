using System.Text;
using MakerChecker.Review;
using MakerChecker.Review.Reporting;

namespace MakerChecker.Reporting;

// The report's two charts per reviewer (dwell histogram, sign-offs over time), as inline SVG.
public static partial class ReviewHtmlReport
{
    /// <summary>The dwell histogram's buckets: upper bounds in seconds (the last is open).</summary>
    private static readonly (double UpperSeconds, string Label)[] DwellBuckets =
        [
            (2, "< 2 s"), (5, "2–5 s"), (10, "5–10 s"), (30, "10–30 s"), (60, "30–60 s"), (120, "1–2 min"), (300, "2–5 min"),
            (double.PositiveInfinity, "> 5 min"),
        ];

    private static readonly TimeSpan[] TimelineBuckets =
        [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1)];

    /// <summary>Sign-offs per dwell bucket as bars; buckets under the fast threshold in red, the threshold as a dashed line.</summary>
    private static void Histogram(StringBuilder h, ReviewerProfile r, TimeSpan fastDwell)
    {
        const int width = 520, height = 220, left = 44, bottom = 40, top = 30;
        var counts = new int[DwellBuckets.Length];
        var withoutPresentation = 0;
        foreach (var s in r.SignOffs)
        {
            if (s.Dwell is not { } dwell) { withoutPresentation++; continue; }
            counts[Array.FindIndex(DwellBuckets, b => dwell.TotalSeconds < b.UpperSeconds)]++;
        }
        var max = Math.Max(1, counts.Max());
        var slot = (width - left - 8) / (double)counts.Length;
        var plot = height - bottom - top;
        h.Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\" role=\"img\" aria-label=\"Dwell-time histogram\">");
        Axis(h, left, top, width, height - bottom, max);
        for (var i = 0; i < counts.Length; i++)
        {
            var barHeight = plot * counts[i] / (double)max;
            var x = left + i * slot + 4;
            var fast = DwellBuckets[i].UpperSeconds <= fastDwell.TotalSeconds;
            h.Append("<rect class=\"").Append(fast ? "bar fast" : "bar").Append("\" x=\"").Append(F(x))
                .Append("\" y=\"").Append(F(height - bottom - barHeight)).Append("\" width=\"").Append(F(slot - 8))
                .Append("\" height=\"").Append(F(barHeight)).Append("\"><title>").Append(E(DwellBuckets[i].Label)).Append(": ").Append(counts[i])
                .Append("</title></rect>");
            if (counts[i] > 0)
            {
                h.Append("<text class=\"value\" x=\"").Append(F(x + (slot - 8) / 2)).Append("\" y=\"").Append(F(height - bottom - barHeight - 4))
                    .Append("\">").Append(counts[i]).Append("</text>");
            }
            h.Append("<text class=\"label\" x=\"").Append(F(left + i * slot + slot / 2)).Append("\" y=\"").Append(height - bottom + 16)
                .Append("\">").Append(E(DwellBuckets[i].Label)).Append("</text>");
        }
        // The threshold's position: linear within the bucket it falls in.
        var bucket = Array.FindIndex(DwellBuckets, b => fastDwell.TotalSeconds <= b.UpperSeconds);
        var lower = bucket == 0 ? 0 : DwellBuckets[bucket - 1].UpperSeconds;
        var within = double.IsInfinity(DwellBuckets[bucket].UpperSeconds)
            ? 0
            : (fastDwell.TotalSeconds - lower) / (DwellBuckets[bucket].UpperSeconds - lower);
        var mark = left + (bucket + within) * slot;
        h.Append("<line class=\"threshold\" x1=\"").Append(F(mark)).Append("\" x2=\"").Append(F(mark))
            .Append("\" y1=\"").Append(top - 16).Append("\" y2=\"").Append(height - bottom).Append("\"/>")
            .Append("<text class=\"threshold-label\" x=\"").Append(F(mark + 4)).Append("\" y=\"").Append(top - 18)
            .Append("\">fast: under ").Append(E(ReportFormat.Duration(fastDwell))).Append("</text>");
        if (withoutPresentation > 0)
        {
            h.Append("<text class=\"label end\" x=\"").Append(width - 8).Append("\" y=\"").Append(height - 4).Append("\">")
                .Append(withoutPresentation).Append(" without presentation (not shown)</text>");
        }
        h.Append("</svg>");
    }

    /// <summary>Sign-offs per time bucket (5 minutes, or coarser over long spans) so that batches show as spikes.</summary>
    private static void Timeline(StringBuilder h, ReviewerProfile r, int capacityPerHour, (DateTimeOffset From, DateTimeOffset To) axis)
    {
        const int width = 520, height = 220, left = 44, bottom = 40, top = 16;
        var times = r.SignOffs.Select(s => s.DecidedAt).Order().ToList();
        h.Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\" role=\"img\" aria-label=\"Sign-offs over time\">");
        if (times.Count == 0)
        {
            h.Append("<text class=\"label\" x=\"").Append(width / 2).Append("\" y=\"").Append(height / 2).Append("\">no accepted sign-offs</text></svg>");
            return;
        }
        var span = axis.To - axis.From;
        var size = TimelineBuckets.FirstOrDefault(b => span / b < 120, TimelineBuckets[^1]);
        var origin = new DateTimeOffset(axis.From.UtcTicks - axis.From.UtcTicks % size.Ticks, TimeSpan.Zero);
        var counts = new int[(int)((axis.To - origin) / size) + 1];
        foreach (var t in times) counts[(int)((t - origin) / size)]++;
        var capacity = capacityPerHour * size.TotalHours;
        var max = Math.Max(counts.Max(), (int)Math.Ceiling(capacity));
        var slot = (width - left - 8) / (double)counts.Length;
        var plot = height - bottom - top;
        Axis(h, left, top, width, height - bottom, max);
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0) continue;
            var barHeight = plot * counts[i] / (double)max;
            var at = origin + i * size;
            h.Append("<rect class=\"").Append(counts[i] > capacity ? "bar fast" : "bar")
                .Append("\" x=\"").Append(F(left + i * slot + Math.Min(1, slot * 0.1))).Append("\" y=\"").Append(F(height - bottom - barHeight))
                .Append("\" width=\"").Append(F(Math.Max(1, slot * 0.8))).Append("\" height=\"").Append(F(barHeight))
                .Append("\"><title>").Append(E(ReportFormat.Time(at))).Append(": ").Append(counts[i]).Append(" sign-offs</title></rect>");
        }
        var capacityY = height - bottom - plot * capacity / max;
        h.Append("<line class=\"threshold\" x1=\"").Append(left).Append("\" x2=\"").Append(width - 8)
            .Append("\" y1=\"").Append(F(capacityY)).Append("\" y2=\"").Append(F(capacityY)).Append("\"/>")
            .Append("<text class=\"threshold-label\" x=\"").Append(width - 10).Append("\" y=\"").Append(F(capacityY - 4))
            .Append("\" text-anchor=\"end\">capacity ").Append(capacityPerHour).Append(" per hour</text>")
            .Append("<text class=\"label start\" x=\"").Append(left).Append("\" y=\"").Append(height - bottom + 16)
            .Append("\">").Append(E(ReportFormat.ShortTime(origin))).Append("</text>")
            .Append("<text class=\"label end\" x=\"").Append(width - 8).Append("\" y=\"").Append(height - bottom + 16)
            .Append("\">").Append(E(ReportFormat.ShortTime(origin + counts.Length * size))).Append("</text>")
            .Append("<text class=\"label\" x=\"").Append(F(left + (width - left) / 2.0)).Append("\" y=\"").Append(height - 6)
            .Append("\">sign-offs per ").Append(E(ReportFormat.Duration(size))).Append(" (UTC)</text></svg>");
    }

    private static void Axis(StringBuilder h, int left, int top, int width, int baseline, int max)
    {
        h.Append("<line class=\"axis\" x1=\"").Append(left).Append("\" x2=\"").Append(width - 8)
            .Append("\" y1=\"").Append(baseline).Append("\" y2=\"").Append(baseline).Append("\"/>")
            .Append("<line class=\"grid\" x1=\"").Append(left).Append("\" x2=\"").Append(width - 8)
            .Append("\" y1=\"").Append(top).Append("\" y2=\"").Append(top).Append("\"/>")
            .Append("<text class=\"label end\" x=\"").Append(left - 6).Append("\" y=\"").Append(top + 4).Append("\">").Append(max).Append("</text>")
            .Append("<text class=\"label end\" x=\"").Append(left - 6).Append("\" y=\"").Append(baseline).Append("\">0</text>");
    }
}
