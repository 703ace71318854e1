using System.Runtime.CompilerServices;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Recognizes, without a JSON reader, a JSON value of the strict shape our exporters and the upstream server write, and
/// gives its RFC 8785 bytes with the least copying: the value's own bytes when they already are canonical, or the value
/// without its whitespace and with each object's members in UTF-16 key order when only those differ (indented text,
/// PostgreSQL <c>jsonb</c> key order).
/// </summary>
/// <remarks>
/// <para>
/// What it accepts, every byte checked here (UTF-8 too: strings must be well formed, and outside strings only ASCII is
/// accepted): JSON
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
internal sealed partial class CanonicalValueRecognizer
{
    /// <summary>Deeper values are declined (the reader path allows 64 levels for the whole row).</summary>
    public const int MaxDepth = 32;

    /// <summary>Objects with more members are declined when out of order rather than insertion-sorted.</summary>
    private const int MaxSortedMembers = 256;

    private Item[] _items = new Item[32]; // a stack: the items of the composites being read, innermost last
    private int _itemCount;
    private bool _outOfRoom; // why the last composite was declined: no room for its canonical form (see TryWrite)

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
    /// bytes from <paramref name="start"/> on: the canonical forms of nested objects and arrays are written before
    /// the value that holds them.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> json, ref int position, ByteBuffer output, out int start) =>
        TryWriteTo(json, ref position, output, default, out start);

    /// <summary>
    /// Writes the canonical form of the object at <paramref name="json"/>[<paramref name="position"/>] to
    /// <paramref name="destination"/>[0..<paramref name="length"/>] and moves <paramref name="position"/> past it; false
    /// when the value is declined or is not an object. The same bytes as <see cref="TryWrite(ReadOnlySpan{byte}, ref int, ByteBuffer, out int)"/>,
    /// without a copy to put them where the caller wants them: the canonical forms of its nested objects and arrays are
    /// written to <paramref name="nested"/>'s free room first (and left there, unwritten: they are copied into the
    /// object). <paramref name="destination"/> needs room for the object's text as it stands in <paramref name="json"/>.
    /// </summary>
    public bool TryWriteObjectInto(ReadOnlySpan<byte> json, ref int position, ByteBuffer nested, Span<byte> destination, out int length) =>
        TryWriteTo(json, ref position, nested, destination, out length);

    /// <summary>
    /// <see cref="TryWrite(ReadOnlySpan{byte}, ref int, ByteBuffer, out int)"/> when <paramref name="final"/> is empty;
    /// otherwise <see cref="TryWriteObjectInto"/>, whose length <paramref name="start"/> then is.
    /// </summary>
    private bool TryWriteTo(ReadOnlySpan<byte> json, ref int position, ByteBuffer output, Span<byte> final, out int start)
    {
        // A value's canonical form is never longer than its text (whitespace is dropped, members are reordered, every
        // token is copied as it is), but nested objects and arrays are written before the value that holds them, so a
        // byte nested k deep is written k times. Room for twice the rest of the input holds the usual shapes (a row's
        // payload with objects one level down); a value that needs more is read again with room for MaxDepth times the
        // rest, which holds anything accepted, so the room never changes what is accepted.
        long rest = json.Length - position;
        if (TryWriteWithRoom(json, ref position, output, Room(2 * rest), final, out start) is { } once)
        {
            return once;
        }

        return TryWriteWithRoom(json, ref position, output, Room(MaxDepth * rest), final, out start) ?? false;

        // Past the largest array, a value that needs more is declined (the reader path takes it).
        static int Room(long size) => (int)Math.Min(size + 64, Array.MaxLength);
    }

    /// <summary>The same with room for <paramref name="roomSize"/> bytes; null when that was too little (nothing is written then).</summary>
    private bool? TryWriteWithRoom(ReadOnlySpan<byte> json, ref int position, ByteBuffer output, int roomSize, Span<byte> final, out int start)
    {
        _itemCount = 0;
        _outOfRoom = false;
        var room = output.GetSpan(roomSize);
        var (p, written) = (position, 0);
        start = 0;
        if (!final.IsEmpty)
        {
            // The object to final (its end is where the writing stopped there), its nested values to the room, left unwritten.
            if (Peek(json, p) != '{' || !TryWriteObject(json, ref p, room, ref written, 1, final, out _))
            {
                return _outOfRoom ? null : false;
            }

            (position, start) = (p, written);
            return true;
        }

        if (!TryReadValue(json, ref p, room, ref written, 1, out var valueStart, out var valueLength, out var inOutput))
        {
            return _outOfRoom ? null : false;
        }

        if (!inOutput)
        {
            json.Slice(valueStart, valueLength).CopyTo(room); // a scalar: its own bytes
            written = valueLength;
            valueStart = 0;
        }

        position = p;
        start = output.Length + valueStart;
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
    // A composite value is read in one pass that records where each of its items is (a scalar in the input, a nested
    // composite already written to the output), then written once, in canonical order, after whatever its nested values
    // wrote: its canonical bytes are output[start..o]. Each step writes only at output[o..] and moves o past it.

    /// <summary>
    /// Reads the value at <paramref name="p"/>: a scalar is checked and left where it is (<paramref name="inOutput"/>
    /// false: its bytes are the input's), a composite is written to the output; either way the value's canonical bytes
    /// are <paramref name="start"/> and <paramref name="length"/> in the input or the output.
    /// </summary>
    /// <remarks>
    /// Inlined, with positions in locals: a position passed by reference to a call that is not inlined lives in memory
    /// for the whole method, so only the (rarer) nested composites get copies of the positions to pass.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReadValue(ReadOnlySpan<byte> json, ref int p, Span<byte> output, ref int o, int depth,
        out int start, out int length, out bool inOutput)
    {
        var first = Peek(json, p);
        if (first is (byte)'{' or (byte)'[')
        {
            var (nestedP, nestedO) = (p, o);
            var ok = TryWriteComposite(json, ref nestedP, output, ref nestedO, depth, out var nestedStart);
            (p, o, start, length, inOutput) = (nestedP, nestedO, nestedStart, nestedO - nestedStart, true);
            return ok;
        }

        inOutput = false;
        start = p;
        bool scalar;
        if (first == '"')
        {
            scalar = TryCanonicalString(json, ref p, out _); // inlined
        }
        else
        {
            var q = p; // a copy to pass to the calls, so that p itself stays out of memory
            scalar = first is (byte)'t' or (byte)'f' or (byte)'n' ? TryLiteral(json, ref q) : TryCanonicalNumber(json, ref q);
            p = q;
        }

        length = p - start;
        return scalar;
    }

    private bool TryWriteComposite(ReadOnlySpan<byte> json, ref int p, Span<byte> output, ref int o, int depth, out int start)
    {
        start = o;
        return depth <= MaxDepth &&
               (Peek(json, p) == '{'
                   ? TryWriteObject(json, ref p, output, ref o, depth, default, out start)
                   : TryWriteArray(json, ref p, output, ref o, depth, out start));
    }

    /// <summary>
    /// An object, written after its nested values to <paramref name="output"/>, or, when <paramref name="final"/> is not
    /// empty, to <paramref name="final"/> from its start (its nested values still to <paramref name="output"/>);
    /// <paramref name="written"/> ends up where the object's bytes end in the span they went to.
    /// </summary>
    private bool TryWriteObject(ReadOnlySpan<byte> json, ref int position, Span<byte> output, ref int written, int depth, Span<byte> final,
        out int start)
    {
        var (p, o) = (position, written);
        start = o;
        var first = _itemCount;
        var size = 1; // the opening brace, then each member with the comma or closing brace after it
        p = SkipWhitespace(json, p + 1);
        if (Peek(json, p) == '}')
        {
            size++;
            p++;
        }
        else
        {
            while (true)
            {
                var keyToken = p;
                if (Peek(json, p) != '"' || !TryCanonicalString(json, ref p, out var escaped) || escaped)
                {
                    return false;
                }

                var keyEnd = p;
                p = SkipShortWhitespace(json, p); // around the colon, indented text has one space at most
                if (Peek(json, p) != ':')
                {
                    return false;
                }

                p = SkipShortWhitespace(json, p + 1);
                if (!TryReadValue(json, ref p, output, ref o, depth + 1, out var valueStart, out var valueLength, out var inOutput))
                {
                    return false;
                }

                Push(new Item(new Key(json, keyToken + 1, keyEnd - keyToken - 2), valueStart, valueLength, inOutput));
                size += keyEnd - keyToken + 1 + valueLength + 1;
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

                p = SkipWhitespace(json, p);
            }
        }

        var members = _items.AsSpan(first, _itemCount - first);
        var destination = final.IsEmpty ? output : final;
        var d = final.IsEmpty ? o : 0;
        if (!TryOrder(json, members) || !HasRoom(destination, d, size))
        {
            return false; // a duplicate key (the reader path refuses it with its reason code), too many members, or no room
        }

        start = d;
        destination[d++] = (byte)'{';
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                destination[d++] = (byte)',';
            }

            var key = members[i].Key;
            SlackCopy.Copy(json, key.Start - 1, key.Length + 2, destination, d);
            d += key.Length + 2;
            destination[d++] = (byte)':';
            d = PlaceValue(json, output, members[i], destination, d);
        }

        destination[d++] = (byte)'}';
        _itemCount = first;
        (position, written) = (p, d);
        return true;
    }

    private bool TryWriteArray(ReadOnlySpan<byte> json, ref int position, Span<byte> output, ref int written, int depth, out int start)
    {
        var (p, o) = (position, written);
        start = o;
        var first = _itemCount;
        var size = 1; // the opening bracket, then each element with the comma or closing bracket after it
        p = SkipWhitespace(json, p + 1);
        if (Peek(json, p) == ']')
        {
            size++;
            p++;
        }
        else
        {
            while (true)
            {
                if (!TryReadValue(json, ref p, output, ref o, depth + 1, out var valueStart, out var valueLength, out var inOutput))
                {
                    return false;
                }

                Push(new Item(default, valueStart, valueLength, inOutput));
                size += valueLength + 1;
                p = SkipWhitespace(json, p);
                var next = Peek(json, p++);
                if (next == ']')
                {
                    break;
                }

                if (next != ',')
                {
                    return false;
                }

                p = SkipWhitespace(json, p);
            }
        }

        if (!HasRoom(output, o, size))
        {
            return false;
        }

        var elements = _items.AsSpan(first, _itemCount - first);
        start = o;
        output[o++] = (byte)'[';
        for (var i = 0; i < elements.Length; i++)
        {
            if (i > 0)
            {
                output[o++] = (byte)',';
            }

            o = PlaceValue(json, output, elements[i], output, o);
        }

        output[o++] = (byte)']';
        _itemCount = first;
        (position, written) = (p, o);
        return true;
    }

    /// <summary>
    /// Copies an item's value to <paramref name="destination"/>[<paramref name="at"/>..] from the input or from
    /// <paramref name="output"/>, where a nested composite was written before this writing began (so when the two are
    /// the same span, a short copy's slack never reaches it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PlaceValue(ReadOnlySpan<byte> json, ReadOnlySpan<byte> output, in Item item, Span<byte> destination, int at)
    {
        SlackCopy.Copy(item.InOutput ? output : json, item.ValueStart, item.ValueLength, destination, at);
        return at + item.ValueLength;
    }

    /// <summary>Whether <paramref name="size"/> bytes fit at <paramref name="o"/>; if not, TryWrite tries again with more room.</summary>
    private bool HasRoom(Span<byte> output, int o, int size)
    {
        _outOfRoom |= o > output.Length - size;
        return !_outOfRoom;
    }

    private void Push(Item item)
    {
        if (_itemCount == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_itemCount++] = item;
    }

    /// <summary>
    /// One member or element read: its key in the input (members only), and where its value's canonical bytes are, in
    /// the input (a scalar) or in the output (a composite).
    /// </summary>
    private readonly record struct Item(Key Key, int ValueStart, int ValueLength, bool InOutput);
}
