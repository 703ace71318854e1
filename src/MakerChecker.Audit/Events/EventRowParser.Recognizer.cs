using MakerChecker.Audit.Canonicalization;
using static MakerChecker.Audit.Canonicalization.CanonicalValueRecognizer;

namespace MakerChecker.Audit.Events;

/// <summary>
/// The row recognizer: the fast path for the exact row layout our exporters and the upstream server write. It reads
/// the row's bytes once, without <c>Utf8JsonReader</c>, and gives the same canonical fields the reader path would.
/// </summary>
/// <remarks>
/// <para>
/// The shape it accepts, and nothing else: a valid UTF-8 row (checked string by string: outside strings only ASCII
/// is accepted) holding one object whose eleven members come in the
/// exporter's order (<c>seq, id, occurred_at, actor, event_type, entity_type, entity_id, run_id, payload, prev_hash,
/// hash</c>), each key written plainly, JSON whitespace allowed between any two tokens (compact rows, and rows that
/// <c>JSON.stringify(bundle, null, 2)</c> indented). <c>seq</c> a decimal string, <c>prev_hash</c> and <c>hash</c>
/// 64 lowercase hex digits, <c>occurred_at</c> a timestamp, all without escapes; <c>id</c> and <c>event_type</c>
/// strings; <c>entity_type</c>, <c>entity_id</c> and <c>run_id</c> strings or <c>null</c>; <c>actor</c> and
/// <c>payload</c> objects that <see cref="CanonicalValueRecognizer"/> accepts (in any key order, as PostgreSQL's
/// <c>jsonb</c> gives them back). Strings and numbers must already be in their RFC 8785 form.
/// </para>
/// <para>
/// Why falling back is always safe: the recognizer never refuses a row and never gives a verdict of its own. On
/// anything it does not recognize with certainty (another member order, an unknown or repeated member, an escaped key,
/// an escape or number it does not prove canonical, a wrong type, malformed text), it declines and the row goes
/// through <see cref="ReadRow"/>, the <c>Utf8JsonReader</c> path, exactly as if the recognizer did not exist. What
/// it accepts, that path accepts too, with the same canonical bytes (property-tested on generated and mutated rows).
/// </para>
/// </remarks>
internal sealed partial class EventRowParser
{
    private const int NotHashed = -1;
    private const int OccurredAtLength = 24, HexLength = 64; // YYYY-MM-DDTHH:MM:SS.mmmZ; a SHA-256 in hex
    private readonly CanonicalValueRecognizer _values = new();

    /// <summary>Whether rows are tried with the recognizer before the reader path; tests turn it off to compare the two.</summary>
    internal bool UsesRecognizer { get; init; } = true;

    /// <summary>
    /// Recognizes a row of the layout above, filling <see cref="_segments"/> (canonical bytes in the row, or written to
    /// the writer's output) and the row's seq and hashes; false when it declines.
    /// </summary>
    internal bool TryRecognize(ReadOnlySpan<byte> row, ref ParsedRow result)
    {
        _writer.Output.Clear();
        _scratch.Clear();
        var hashed = _scratch.GetSpan(row.Length + HashedKeysRoom);
        var p = SkipWhitespace(row, 0);
        if (Peek(row, p++) != '{')
        {
            return false;
        }

        if (!TryKey(row, ref p, "\"seq\""u8) || !TryPlainString(row, ref p, NotHashed, out var seq) || !TryParseSeq(seq, out result.Seq) ||
            !TryKey(row, ref p, ",\"id\""u8) || !TryString(row, ref p, Id) ||
            !TryKey(row, ref p, ",\"occurred_at\""u8) || !TryFixedLengthString(row, ref p, OccurredAtLength, OccurredAtField, out var occurredAt) ||
            !OccurredAt.IsValid(occurredAt) ||
            !TryKey(row, ref p, ",\"actor\""u8) || !TryHashedActor(row, ref p, hashed, out var h) ||
            !TryKey(row, ref p, ",\"event_type\""u8) || !TryString(row, ref p, EventType) ||
            !TryKey(row, ref p, ",\"entity_type\""u8) || !TryStringOrNull(row, ref p, EntityType) ||
            !TryKey(row, ref p, ",\"entity_id\""u8) || !TryStringOrNull(row, ref p, EntityId) ||
            !TryKey(row, ref p, ",\"run_id\""u8) || !TryStringOrNull(row, ref p, RunId) ||
            !TryKey(row, ref p, ",\"payload\""u8) || !TryHashedPayload(row, ref p, hashed, ref h) ||
            !TryKey(row, ref p, ",\"prev_hash\""u8) || !TryFixedLengthString(row, ref p, HexLength, PrevHash, out var prevHash) ||
            !Hash32.TryParseHex(prevHash, out result.PrevHash) ||
            !TryKey(row, ref p, ",\"hash\""u8) || !TryFixedLengthString(row, ref p, HexLength, NotHashed, out var hash) ||
            !Hash32.TryParseHex(hash, out result.Hash))
        {
            return false;
        }

        p = SkipWhitespace(row, p);
        if (Peek(row, p) != '}' || SkipWhitespace(row, p + 1) != row.Length)
        {
            return false;
        }

        PlaceHashed(AuditEventHasher.HashedKeys.PrevHash, row, PrevHash, hashed, ref h);
        PlaceHashed(AuditEventHasher.HashedKeys.RunId, row, RunId, hashed, ref h);
        hashed[h++] = (byte)'}';
        _scratch.Advance(h);
        return true;
    }

    /// <summary>
    /// Steps over <paramref name="separatorAndKey"/> (the comma before the key, if any, and the quoted key) and the colon
    /// after it, with any whitespace between.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // the keys are constants
    private static bool TryKey(ReadOnlySpan<byte> row, ref int p, ReadOnlySpan<byte> separatorAndKey)
    {
        // Indented rows break the line only after the comma: the other steps need only the short whitespace step.
        p = SkipShortWhitespace(row, p);
        if (separatorAndKey[0] == ',')
        {
            if (Peek(row, p) != ',')
            {
                return false;
            }

            p = SkipWhitespace(row, p + 1);
            separatorAndKey = separatorAndKey[1..];
        }

        if (!row[p..].StartsWith(separatorAndKey))
        {
            return false;
        }

        p = SkipShortWhitespace(row, p + separatorAndKey.Length);
        if (Peek(row, p) != ':')
        {
            return false;
        }

        p = SkipShortWhitespace(row, p + 1);
        return true;
    }

    /// <summary>
    /// A string without escapes (seq, occurred_at, the hashes): <paramref name="text"/> is what lies between its quotes;
    /// the token is the canonical bytes of <paramref name="field"/> unless that is <see cref="NotHashed"/>.
    /// </summary>
    private bool TryPlainString(ReadOnlySpan<byte> row, ref int p, int field, out ReadOnlySpan<byte> text)
    {
        var start = p;
        text = default;
        if (Peek(row, p) != '"' || !TryCanonicalString(row, ref p, out var escaped) || escaped)
        {
            return false;
        }

        text = row[(start + 1)..(p - 1)];
        if (field != NotHashed)
        {
            _segments[field] = new Segment(SegmentIn.Row, start, p - start);
        }

        return true;
    }

    /// <summary>
    /// A string of exactly <paramref name="length"/> bytes between its quotes (occurred_at, the hashes), not scanned: the
    /// caller then checks <paramref name="text"/> with a test that accepts only digits, lowercase letters and the
    /// timestamp's separators (<see cref="OccurredAt.IsValid"/>, <see cref="Hash32.TryParseHex"/>), so a quote, a
    /// backslash or a control character inside is declined as <see cref="TryPlainString"/> would, and so is any other
    /// length (the byte after it is then not the closing quote, or the text holds a quote).
    /// </summary>
    private bool TryFixedLengthString(ReadOnlySpan<byte> row, ref int p, int length, int field, out ReadOnlySpan<byte> text)
    {
        var start = p;
        var end = p + length + 1; // where the closing quote must be
        text = default;
        if (Peek(row, start) != '"' || Peek(row, end) != '"')
        {
            return false;
        }

        text = row.Slice(start + 1, length);
        if (field != NotHashed)
        {
            _segments[field] = new Segment(SegmentIn.Row, start, length + 2);
        }

        p = end + 1;
        return true;
    }

    private bool TryString(ReadOnlySpan<byte> row, ref int p, int field)
    {
        var start = p;
        if (Peek(row, p) != '"' || !TryCanonicalString(row, ref p, out _))
        {
            return false;
        }

        _segments[field] = new Segment(SegmentIn.Row, start, p - start);
        return true;
    }

    private bool TryStringOrNull(ReadOnlySpan<byte> row, ref int p, int field)
    {
        if (!row[p..].StartsWith("null"u8))
        {
            return TryString(row, ref p, field);
        }

        _segments[field] = new Segment(SegmentIn.Row, p, 4);
        p += 4;
        return true;
    }

    // ---- The hashed object, written as the row is read ----
    // Its members in RFC 8785 order are actor, entityId, entityType, eventType, id, occurredAt, payload, prevHash, runId
    // (as AuditEventHasher writes them); every field before payload comes before it in the row too, so the actor and the
    // payload are written straight into their places in it, and the rest is copied from the row around them. A row
    // declined on the way leaves the scratch to the reader path, which writes the hashed object again from the start.

    /// <summary>Room for the hashed object's keys, colons, commas and braces, and slack for the short copies.</summary>
    private const int HashedKeysRoom = AuditEventHasher.HashedKeys.Bytes + 64;

    /// <summary>The actor, written into the hashed object after its opening <c>{"actor":</c>; <paramref name="h"/> ends after it.</summary>
    private bool TryHashedActor(ReadOnlySpan<byte> row, ref int p, Span<byte> hashed, out int h)
    {
        SlackCopy.CopySmall(AuditEventHasher.HashedKeys.Actor, hashed);
        h = AuditEventHasher.HashedKeys.Actor.Length;
        return TryHashedObject(row, ref p, Actor, hashed, ref h);
    }

    /// <summary>The members before the payload, from their places in the row, then the payload written into its place.</summary>
    private bool TryHashedPayload(ReadOnlySpan<byte> row, ref int p, Span<byte> hashed, ref int h)
    {
        PlaceHashed(AuditEventHasher.HashedKeys.EntityId, row, EntityId, hashed, ref h);
        PlaceHashed(AuditEventHasher.HashedKeys.EntityType, row, EntityType, hashed, ref h);
        PlaceHashed(AuditEventHasher.HashedKeys.EventType, row, EventType, hashed, ref h);
        PlaceHashed(AuditEventHasher.HashedKeys.Id, row, Id, hashed, ref h);
        PlaceHashed(AuditEventHasher.HashedKeys.OccurredAt, row, OccurredAtField, hashed, ref h);
        SlackCopy.CopySmall(AuditEventHasher.HashedKeys.Payload, hashed[h..]);
        h += AuditEventHasher.HashedKeys.Payload.Length;
        return TryHashedObject(row, ref p, Payload, hashed, ref h);
    }

    /// <summary>
    /// An object written to <paramref name="hashed"/>[<paramref name="h"/>..]: its own bytes when they are canonical as
    /// they stand (and its segment then stays in the row), otherwise its canonical form, written there directly.
    /// </summary>
    private bool TryHashedObject(ReadOnlySpan<byte> row, ref int p, int field, Span<byte> hashed, ref int h)
    {
        var start = p;
        if (Peek(row, p) != '{')
        {
            return false;
        }

        if (IsCanonical(row, ref p))
        {
            _segments[field] = new Segment(SegmentIn.Row, start, p - start);
            SlackCopy.Copy(row, start, p - start, hashed, h);
            h += p - start;
            return true;
        }

        p = start;
        if (!_values.TryWriteObjectInto(row, ref p, _writer.Output, hashed[h..], out var length))
        {
            return false;
        }

        _segments[field] = new Segment(SegmentIn.HashedObject, h, length);
        h += length;
        return true;
    }

    /// <summary>
    /// A member of the hashed object: its key (with the comma before it and the colon after it), and the field's canonical
    /// value, copied from the row (every field but the actor and payload lies there) with the room after it for a short copy.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void PlaceHashed(ReadOnlySpan<byte> key, ReadOnlySpan<byte> row, int field, Span<byte> hashed, ref int h)
    {
        SlackCopy.CopySmall(key, hashed[h..]); // a constant
        h += key.Length;
        var segment = _segments[field];
        SlackCopy.Copy(segment.In == SegmentIn.Row ? row : Canonical(row, field), segment.In == SegmentIn.Row ? segment.Start : 0,
            segment.Length, hashed, h);
        h += segment.Length;
    }
}
