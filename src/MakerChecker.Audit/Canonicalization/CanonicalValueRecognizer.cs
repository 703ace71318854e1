
namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Recognizes, without a JSON reader, a JSON value of the strict shape our exporters and the upstream server write, and
/// gives its RFC 8785 bytes with the least copying: the value's own bytes when they already are canonical, or the value
/// without its whitespace and with each object's members in UTF-16 key order when only those differ (indented text,
/// PostgreSQL <c>jsonb</c> key order).
/// </summary>
/// <remarks>
/// <para>
/// What it accepts, every byte checked here (the caller has checked that the whole input is valid UTF-8): JSON
/// whitespace between tokens; objects whose keys are strings without escapes, in any order, without duplicates; arrays;
/// <c>true</c>, <c>false</c>, <c>null</c>; strings without raw control characters whose only escapes are the ones
/// RFC 8785 writes; numbers of JSON's grammar already in ECMAScript's shortest form; nesting up to
/// <see cref="MaxDepth"/>. The canonical form of such a value is fixed by three rules alone: drop the whitespace, sort
/// each object's members, keep every string and number as it is written. <see cref="CanonicalFastPath"/> applies the
/// same token rules to <c>Utf8JsonReader</c>'s tokens.
/// </para>
/// <para>
/// Everything else is declined, valid or not: escaped keys, other escapes (<c>\/</c>, <c>\u00e9</c>, surrogates), other
/// numbers (<c>1.0</c>, <c>1e0</c>, <c>-0</c>, more than 15 digits), duplicate keys, deep nesting, malformed text.
/// Declining is always safe: the caller then reads the value with <c>Utf8JsonReader</c> and
/// <see cref="CanonicalJsonWriter"/>, which write it or refuse it with their reason codes. It only costs time.
/// </para>
/// </remarks>
internal sealed partial class CanonicalValueRecognizer : IDisposable
{
    /// <summary>Deeper values are declined (the reader path allows 64 levels for the whole row).</summary>
    public const int MaxDepth = 32;

    /// <summary>Objects with more members out of order are declined rather than insertion-sorted.</summary>
    private const int MaxSortedMembers = 256;

    private readonly ByteBuffer _sortScratch = new(1024);
    private Member[] _members = new Member[32];
    private int _memberCount;
    private int _outermostStart; // where TryWrite's value starts in its room: after its first writing when it was written twice

    /// <summary>
    /// Whether the value at <paramref name="json"/>[<paramref name="position"/>] is well formed, of the accepted shape,
    /// and already canonical as it stands; if so, <paramref name="position"/> moves past it. False says nothing more:
    /// the value may still be accepted by <see cref="TryWrite"/>, declined by it, or malformed.
    /// </summary>
    public static bool IsCanonical(ReadOnlySpan<byte> json, ref int position) => IsCanonicalValue(json, ref position, 1);

    /// <summary>
    /// Writes the canonical form of the value at <paramref name="json"/>[<paramref name="position"/>] into
    /// <paramref name="output"/> and moves <paramref name="position"/> past it; false when the value is declined
    /// (then <paramref name="output"/> is as it was). The canonical bytes are <paramref name="output"/>'s written
    /// bytes from <paramref name="start"/> on: an outermost object whose members were out of order is written a
    /// second time, in order, after the first.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> json, ref int position, ByteBuffer output, out int start)
    {
        _memberCount = 0;

        // The canonical form of an accepted value is never longer than its text (whitespace is dropped, members are
        // reordered, every token is copied as it is): room for twice the rest of the input is room enough.
        var room = output.GetSpan(2 * (json.Length - position));
        var written = 0;
        _outermostStart = 0;
        if (!TryWriteValue(json, ref position, room, ref written, 1))
        {
            start = 0;
            return false;
        }

        start = output.Length + _outermostStart;
        output.Advance(written);
        return true;
    }

    // ---- Canonical as it stands: no whitespace anywhere, keys strictly increasing (so no duplicates). ----

    private static bool IsCanonicalValue(ReadOnlySpan<byte> json, ref int p, int depth) => Peek(json, p) switch
    {
        (byte)'{' => depth <= MaxDepth && IsCanonicalObject(json, ref p, depth),
        (byte)'[' => depth <= MaxDepth && IsCanonicalArray(json, ref p, depth),
        (byte)'"' => TryCanonicalString(json, ref p, out _),
        (byte)'t' or (byte)'f' or (byte)'n' => TryLiteral(json, ref p),
        _ => TryCanonicalNumber(json, ref p),
    };

    private static bool IsCanonicalObject(ReadOnlySpan<byte> json, ref int p, int depth)
    {
        p++;
        if (Peek(json, p) == '}')
        {
            p++;
            return true;
        }

        var previous = default(Key);
        for (var first = true; ; first = false)
        {
            var keyToken = p;
            if (Peek(json, p) != '"' || !TryCanonicalString(json, ref p, out var escaped) || escaped)
            {
                return false;
            }

            var key = new Key(json, keyToken + 1, p - keyToken - 2);
            if ((!first && Key.Compare(json, previous, key) >= 0) || Peek(json, p++) != ':' ||
                !IsCanonicalValue(json, ref p, depth + 1))
            {
                return false;
            }

            previous = key;
            switch (Peek(json, p++))
            {
                case (byte)',':
                    continue;
                case (byte)'}':
                    return true;
                default:
                    return false;
            }
        }
    }

    private static bool IsCanonicalArray(ReadOnlySpan<byte> json, ref int p, int depth)
    {
        p++;
        if (Peek(json, p) == ']')
        {
            p++;
            return true;
        }

        while (IsCanonicalValue(json, ref p, depth + 1))
        {
            switch (Peek(json, p++))
            {
                case (byte)',':
                    continue;
                case (byte)']':
                    return true;
                default:
                    return false;
            }
        }

        return false;
    }

    // ---- Rewritten: whitespace dropped, each object's members sorted. Strings and numbers are copied as they are. ----
    // Each writes at output[o..] and moves o past what it wrote; TryWrite has made the room.

    private bool TryWriteValue(ReadOnlySpan<byte> json, ref int p, Span<byte> output, ref int o, int depth)
    {
        var start = p;
        switch (Peek(json, p))
        {
            case (byte)'{':
                return depth <= MaxDepth && TryWriteObject(json, ref p, output, ref o, depth);
            case (byte)'[':
                return depth <= MaxDepth && TryWriteArray(json, ref p, output, ref o, depth);
            case (byte)'"':
                if (!TryCanonicalString(json, ref p, out _))
                {
                    return false;
                }

                break;
            case (byte)'t' or (byte)'f' or (byte)'n':
                if (!TryLiteral(json, ref p))
                {
                    return false;
                }

                break;
            default:
                if (!TryCanonicalNumber(json, ref p))
                {
                    return false;
                }

                break;
        }

        SlackCopy.Copy(json, start, p - start, output, o);
        o += p - start;
        return true;
    }

    private bool TryWriteObject(ReadOnlySpan<byte> json, ref int p, Span<byte> output, ref int o, int depth)
    {
        output[o++] = (byte)'{';
        var bodyStart = o;
        p = SkipWhitespace(json, p + 1);
        if (Peek(json, p) == '}')
        {
            p++;
            output[o++] = (byte)'}';
            return true;
        }

        var first = _memberCount;
        var sorted = true;
        var previous = default(Key);
        while (true)
        {
            var keyToken = p;
            if (Peek(json, p) != '"' || !TryCanonicalString(json, ref p, out var escaped) || escaped)
            {
                return false;
            }

            var key = new Key(json, keyToken + 1, p - keyToken - 2);
            if (_memberCount > first)
            {
                var order = Key.Compare(json, previous, key);
                if (order == 0)
                {
                    return false; // a duplicate key: the reader path refuses it with its reason code
                }

                sorted &= order < 0;
            }

            var memberStart = o;
            SlackCopy.Copy(json, keyToken, p - keyToken, output, o);
            o += p - keyToken;
            p = SkipWhitespace(json, p);
            if (Peek(json, p) != ':')
            {
                return false;
            }

            output[o++] = (byte)':';
            p = SkipWhitespace(json, p + 1);
            if (!TryWriteValue(json, ref p, output, ref o, depth + 1))
            {
                return false;
            }

            Push(new Member(key, memberStart, o - memberStart));
            previous = key;
            p = SkipWhitespace(json, p);
            var next = Peek(json, p++);
            if (next == '}')
            {
                break;
            }

            if (next != ',')
            {
                return false;
            }

            output[o++] = (byte)',';
            p = SkipWhitespace(json, p);
        }

        if (!sorted && !TrySortMembers(json, first))
        {
            return false;
        }

        if (!sorted && depth == 1)
        {
            // The outermost object: its members in order after what was written, where TryWrite says it starts. The
            // members' copies only write past the first writing, so they never overwrite what they copy.
            _outermostStart = o;
            output[o++] = (byte)'{';
            o = PlaceMembers(output, 0, output, o, first);
        }
        else if (!sorted)
        {
            var copy = _sortScratch.GetSpan(o - bodyStart);
            output[bodyStart..o].CopyTo(copy);
            o = PlaceMembers(copy, bodyStart, output, bodyStart, first);
        }

        _memberCount = first;
        output[o++] = (byte)'}';
        return true;
    }

    private bool TryWriteArray(ReadOnlySpan<byte> json, ref int p, Span<byte> output, ref int o, int depth)
    {
        output[o++] = (byte)'[';
        p = SkipWhitespace(json, p + 1);
        if (Peek(json, p) == ']')
        {
            p++;
            output[o++] = (byte)']';
            return true;
        }

        while (TryWriteValue(json, ref p, output, ref o, depth + 1))
        {
            p = SkipWhitespace(json, p);
            var next = Peek(json, p++);
            if (next == ']')
            {
                output[o++] = (byte)']';
                return true;
            }

            if (next != ',')
            {
                return false;
            }

            output[o++] = (byte)',';
            p = SkipWhitespace(json, p);
        }

        return false;
    }

    /// <summary>
    /// Puts the members of the object being written (from <paramref name="first"/> on) in UTF-16 key order, RFC 8785
    /// section 3.2.3; false on a duplicate key or too many members.
    /// </summary>
    private bool TrySortMembers(ReadOnlySpan<byte> json, int first)
    {
        var members = _members.AsSpan(first, _memberCount - first);
        if (members.Length > MaxSortedMembers)
        {
            return false;
        }

        // Insertion sort: objects are small, and this is bounded above. Every pair of members that end up side by side
        // is compared on the way (the one inserted with each it passes and the one it stops at), and equal keys end up
        // side by side: so a duplicate key is always seen here.
        for (var i = 1; i < members.Length; i++)
        {
            var member = members[i];
            var j = i - 1;
            int order;
            for (; j >= 0 && (order = Key.Compare(json, members[j].Key, member.Key)) >= 0; j--)
            {
                if (order == 0)
                {
                    return false; // a duplicate key
                }

                members[j + 1] = members[j];
            }

            members[j + 1] = member;
        }

        return true;
    }

    /// <summary>
    /// Writes the members of the object being written, in their sorted order and comma-separated, at
    /// <paramref name="output"/>[<paramref name="at"/>..], taking each from <paramref name="source"/>, which holds the
    /// output's bytes from <paramref name="sourceStart"/> on; returns where the writing ends.
    /// </summary>
    private int PlaceMembers(ReadOnlySpan<byte> source, int sourceStart, Span<byte> output, int at, int first)
    {
        var members = _members.AsSpan(first, _memberCount - first);
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                output[at++] = (byte)',';
            }

            // What a short copy writes past a member's end is the next member's place, or room the caller writes next.
            SlackCopy.Copy(source, members[i].OutputStart - sourceStart, members[i].OutputLength, output, at);
            at += members[i].OutputLength;
        }

        return at;
    }

    private void Push(Member member)
    {
        if (_memberCount == _members.Length)
        {
            Array.Resize(ref _members, _members.Length * 2);
        }

        _members[_memberCount++] = member;
    }

    public void Dispose() => _sortScratch.Dispose();

    /// <summary>One member written to the output: its key in the input, and where <c>"key":value</c> is in the output.</summary>
    private readonly record struct Member(Key Key, int OutputStart, int OutputLength);
}
