using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Unicode;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Writing a value given as objects, keys and numbers rather than as JSON text (a <c>JsonNode</c>): the same member
/// order, string escapes and number layout as text read by <see cref="WriteDocument"/>, without the text.
/// </summary>
internal sealed partial class CanonicalJsonWriter
{
    /// <summary>
    /// Starts an object at nesting <paramref name="depth"/> (0 for the outermost): write each member with
    /// <see cref="WriteMemberKey"/>, its value, then <see cref="EndMember"/>; <see cref="EndObject"/> puts the members in key order.
    /// Objects read from JSON text go the same way (<c>WriteObject</c>), with their keys as read.
    /// </summary>
    public ObjectInProgress StartObject(int depth)
    {
        while (_membersByDepth.Count <= depth)
        {
            _membersByDepth.Add([]);
        }

        _membersByDepth[depth].Clear();
        Output.Write((byte)'{');
        return new ObjectInProgress(depth, _keys.Length, Output.Length);
    }

    /// <summary>Writes the comma before a member (but the first), its key and the colon.</summary>
    /// <exception cref="CanonicalJsonException">The key holds a lone surrogate.</exception>
    public void WriteMemberKey(ref ObjectInProgress o, string key)
    {
        BeginMember(ref o);
        if (Utf8.FromUtf16(key, _keys.GetSpan(Encoding.UTF8.GetMaxByteCount(key.Length)), out _, out var written,
                replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw IllFormed();
        }

        _keys.Advance(written);
        o.KeyLength = written;
        WriteString(_keys.WrittenSpan.Slice(o.KeyStart, written));
        Output.Write((byte)':');
    }

    /// <summary>Writes the comma before a member (but the first) and marks where the member and its key start.</summary>
    private void BeginMember(ref ObjectInProgress o)
    {
        if (_membersByDepth[o.Depth].Count > 0)
        {
            Output.Write((byte)',');
        }

        o.MemberStart = Output.Length;
        o.KeyStart = _keys.Length;
    }

    /// <summary>Records the member whose key <see cref="WriteMemberKey"/> wrote and whose value has been written since.</summary>
    public void EndMember(ref ObjectInProgress o)
    {
        var members = _membersByDepth[o.Depth];
        var member = new Member(o.KeyStart, o.KeyLength, o.MemberStart, Output.Length - o.MemberStart);
        if (members.Count > 0 && o.Sorted && CompareKeys(members[^1], member) >= 0)
        {
            o.Sorted = false;
        }

        members.Add(member);
    }

    /// <summary>Puts the object's members in key order (refusing a key given twice) and closes it.</summary>
    public void EndObject(in ObjectInProgress o)
    {
        if (!o.Sorted)
        {
            SortMembers(_membersByDepth[o.Depth], o.BodyStart);
        }

        Output.Write((byte)'}');
        _keys.Length = o.KeysMark;
    }

    /// <summary>
    /// Writes a number spelled as <c>Utf8JsonWriter</c> spells it (the shortest text that reads back the same), laid out
    /// as a number read from JSON text is. Returns <see langword="false"/>, writing nothing, for NaN and the infinities.
    /// </summary>
    /// <exception cref="CanonicalJsonException">The number is one <see cref="WriteDocument"/> refuses (an integer past 2^53, say).</exception>
    public bool TryWriteNumber<T>(T value)
        where T : INumberBase<T>
    {
        Span<byte> text = stackalloc byte[64];
        if (!T.IsFinite(value) || !value.TryFormat(text, out var written, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        WriteNumber(text[..written]);
        return true;
    }

    /// <summary>
    /// Writes a double as <see cref="TryWriteNumber{T}"/> does, formatting it once where that is the same: below 2^53 in
    /// magnitude, the text <c>Utf8JsonWriter</c> spells a finite double with (its shortest round-trip form) is read back by
    /// <see cref="WriteNumber"/> as the same double and laid out by <see cref="EcmaScriptNumber"/>, or is an integer of
    /// up to 15 digits, copied as ECMAScript writes it. Above, that text may be an integer past 2^53, which is refused.
    /// Returns <see langword="false"/>, writing nothing, for NaN and the infinities.
    /// </summary>
    public bool TryWriteNumber(double value)
    {
        if (!(Math.Abs(value) < MaxExactInteger))
        {
            return TryWriteNumber<double>(value);
        }

        EcmaScriptNumber.Write(value, Output);
        return true;
    }

    /// <summary>Where an object written member by member stands; see <see cref="StartObject"/>.</summary>
    public struct ObjectInProgress(int depth, int keysMark, int bodyStart)
    {
        internal readonly int Depth = depth;
        internal readonly int KeysMark = keysMark;
        internal readonly int BodyStart = bodyStart;
        internal int KeyStart;
        internal int KeyLength;
        internal int MemberStart;
        internal bool Sorted = true;
    }
}
