using System.Collections.Concurrent;
using MakerChecker.Policy.Model;

namespace MakerChecker.Limits;

/// <summary>
/// Sliding-window invocation counts per principal and grant (principal id, <c>name@version</c>). Checking and counting
/// happen under one lock per key, so concurrent callers can never together exceed a ceiling. The counts are a
/// projection of the audit log: on start they are rebuilt from the recorded decisions (<see cref="Record"/>).
/// </summary>
internal sealed class LimitLedger
{
    // Nothing older than the longest window (a day) can matter, so that is all each key keeps.
    private static readonly TimeSpan Longest = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<(string Principal, string Skill), Window> _windows = new();

    /// <summary>
    /// Counts one invocation at <paramref name="now"/> unless that would break a ceiling of <paramref name="limits"/>.
    /// Returns <see cref="LimitKind.None"/> when counted, else the ceiling that would have been exceeded.
    /// </summary>
    public LimitKind TryAcquire(string principalId, string skill, LimitDefinition limits, DateTimeOffset now)
    {
        if (limits.PerMinute is null && limits.PerHour is null && limits.PerDay is null) return LimitKind.None;
        var window = _windows.GetOrAdd((principalId, skill), static _ => new Window());
        lock (window)
        {
            window.Prune(now - Longest);
            if (limits.PerMinute is { } m && window.CountSince(now - TimeSpan.FromMinutes(1)) >= m) return LimitKind.PerMinute;
            if (limits.PerHour is { } h && window.CountSince(now - TimeSpan.FromHours(1)) >= h) return LimitKind.PerHour;
            if (limits.PerDay is { } d && window.CountSince(now - Longest) >= d) return LimitKind.PerDay;
            window.Add(now);
            return LimitKind.None;
        }
    }

    /// <summary>Takes back an invocation counted by <see cref="TryAcquire"/> whose decision could not be recorded.</summary>
    public void Release(string principalId, string skill, DateTimeOffset at)
    {
        if (!_windows.TryGetValue((principalId, skill), out var window)) return;
        lock (window) window.Remove(at);
    }

    /// <summary>
    /// Counts an invocation read back from the audit log, and lets go of what is older than the longest window before it,
    /// so that a replay keeps a day per key however long the history.
    /// </summary>
    public void Record(string principalId, string skill, DateTimeOffset at)
    {
        var window = _windows.GetOrAdd((principalId, skill), static _ => new Window());
        lock (window)
        {
            window.Prune(at - Longest);
            window.Add(at);
        }
    }

    /// <summary>
    /// Every key's invocation times (UTC ticks, ascending) after <paramref name="cutoff"/> less the longest window, keys
    /// in ordinal order: what a snapshot of the ledger holds at <paramref name="cutoff"/>, whatever was pruned before.
    /// </summary>
    public IReadOnlyList<(string Principal, string Skill, long[] Ticks)> Export(DateTimeOffset cutoff)
    {
        var after = (cutoff - Longest).UtcTicks;
        var keys = new List<(string Principal, string Skill, long[] Ticks)>();
        foreach (var ((principal, skill), window) in _windows)
        {
            long[] ticks;
            lock (window) ticks = window.After(after);
            if (ticks.Length > 0) keys.Add((principal, skill, ticks));
        }
        keys.Sort(static (a, b) => string.CompareOrdinal(a.Principal, b.Principal) is var c && c != 0 ? c : string.CompareOrdinal(a.Skill, b.Skill));
        return keys;
    }

    /// <summary>Puts back one key's invocation times from a snapshot (<see cref="Export"/>).</summary>
    public void Restore(string principalId, string skill, IEnumerable<long> ticks)
    {
        var window = _windows.GetOrAdd((principalId, skill), static _ => new Window());
        lock (window)
        {
            foreach (var t in ticks) window.Add(new DateTimeOffset(t, TimeSpan.Zero));
        }
    }

    /// <summary>
    /// How many invocations of <paramref name="skill"/> by <paramref name="principalId"/> fall in the window ending at <paramref name="now"/>.
    /// </summary>
    public int Count(string principalId, string skill, TimeSpan window, DateTimeOffset now)
    {
        if (!_windows.TryGetValue((principalId, skill), out var w)) return 0;
        lock (w) return w.CountSince(now - window);
    }

    public void Clear() => _windows.Clear();

    /// <summary>Invocation times for one key, kept sorted.</summary>
    private sealed class Window
    {
        private readonly List<long> _ticks = [];

        public void Add(DateTimeOffset at)
        {
            var t = at.UtcTicks;
            // Nearly always appended in order; replayed or clock-skewed times go to their sorted place.
            if (_ticks.Count == 0 || _ticks[^1] <= t) { _ticks.Add(t); return; }
            var i = _ticks.BinarySearch(t);
            _ticks.Insert(i < 0 ? ~i : i, t);
        }

        public void Remove(DateTimeOffset at)
        {
            var i = _ticks.BinarySearch(at.UtcTicks);
            if (i >= 0) _ticks.RemoveAt(i);
        }

        public void Prune(DateTimeOffset cutoff)
        {
            var firstKept = FirstAfter(cutoff.UtcTicks);
            if (firstKept > 0) _ticks.RemoveRange(0, firstKept);
        }

        /// <summary>The times (UTC ticks) strictly after <paramref name="ticks"/>.</summary>
        public long[] After(long ticks) => [.. _ticks.Skip(FirstAfter(ticks))];

        /// <summary>Invocations strictly after <paramref name="cutoff"/>.</summary>
        public int CountSince(DateTimeOffset cutoff) => _ticks.Count - FirstAfter(cutoff.UtcTicks);

        private int FirstAfter(long ticks)
        {
            var lo = 0;
            var hi = _ticks.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_ticks[mid] <= ticks) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }
}
