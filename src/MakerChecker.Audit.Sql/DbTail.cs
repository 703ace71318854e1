using MakerChecker.Audit.Events;

namespace MakerChecker.Audit.Stores;

/// <summary>One stored row as the write transaction read it after the lock: its seq, the columns a scope reads, the row.</summary>
internal readonly record struct DbTailRow(long Seq, string ActorId, string EventType, byte[] Row);

/// <summary>
/// Every row stored after seq <see cref="After"/> up to the head, read inside a write transaction once the lock was
/// held, so nothing could be appended after them before that transaction ended; then extended with the rows the
/// transaction inserted. It answers a scope's conflict check without another query, and lets the next read of those
/// events (a gate catching up on other writers' events, past which its batch was written) come from memory: the rows are
/// committed, immutable, and the same bytes the table holds.
/// </summary>
internal sealed class DbTail
{
    private readonly DbTailRow[] _rows;

    private DbTail(long after, DbTailRow[] rows)
    {
        After = after;
        _rows = rows;
    }

    /// <summary>The seq the rows follow.</summary>
    public long After { get; }

    /// <summary>The seq of the last row (<see cref="After"/> when there is none).</summary>
    public long End => After + _rows.Length;

    /// <summary>
    /// The tail read after seq <paramref name="after"/>, or <see langword="null"/> when the rows are not exactly the
    /// seqs after it up to <paramref name="headSeq"/> (the read was cut at its limit), so they cannot stand for the log.
    /// </summary>
    public static DbTail? Of(long after, List<DbTailRow> rows, long headSeq)
    {
        if (headSeq - after != rows.Count) return null;
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Seq != after + 1 + i) return null;
        }

        return new DbTail(after, [.. rows]);
    }

    /// <summary>Whether the rows cover every event after <paramref name="seq"/>, so a conflict check after it can be answered here.</summary>
    public bool Covers(long seq) => seq >= After && seq <= End;

    /// <summary>The actor id and type of every row after <paramref name="seq"/> that matters to <paramref name="scope"/>, in seq order.</summary>
    public IReadOnlyList<(string ActorId, string EventType)> Since(long seq, AuditAppendScope scope)
    {
        var matters = new List<(string, string)>();
        for (var i = (int)(seq - After); i < _rows.Length; i++)
        {
            if (scope.Matters(_rows[i].ActorId, _rows[i].EventType)) matters.Add((_rows[i].ActorId, _rows[i].EventType));
        }

        return matters;
    }

    /// <summary>These rows followed by the rows the transaction inserted on them (which start at <see cref="End"/> + 1).</summary>
    public DbTail Then(IReadOnlyList<AuditRow> inserted)
    {
        if (inserted.Count == 0) return this;
        var rows = new DbTailRow[_rows.Length + inserted.Count];
        _rows.CopyTo(rows, 0);
        for (var i = 0; i < inserted.Count; i++)
        {
            var r = inserted[i];
            if (r.Seq != End + 1 + i) throw new InvalidOperationException($"Inserted seq {r.Seq} does not follow the tail's seq {End + i}.");
            rows[_rows.Length + i] = new DbTailRow(r.Seq, r.ActorId, r.EventType, r.Row);
        }

        return new DbTail(After, rows);
    }

    /// <summary>The rows from seq <paramref name="from"/> (which <see cref="Covers"/> less one) to the end.</summary>
    public IEnumerable<DbTailRow> From(long from)
    {
        for (var i = (int)(from - After - 1); i < _rows.Length; i++) yield return _rows[i];
    }
}
