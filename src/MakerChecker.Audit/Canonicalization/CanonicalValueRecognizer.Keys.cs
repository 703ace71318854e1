using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>The recognizer's object keys, and the RFC 8785 order of an object's members, decided mostly from the keys' first eight bytes.</summary>
internal sealed partial class CanonicalValueRecognizer
{
    /// <summary>Objects of at most this many members are ordered by counting (see <see cref="TryOrderByPrefixes"/>); even, as it counts in pairs.</summary>
    private const int MaxCountedMembers = 16;

    // Scratch for ordering one object's members; objects are ordered one at a time, after their nested values.
    private readonly long[] _prefixes = new long[MaxCountedMembers];
    private readonly int[] _places = new int[MaxCountedMembers];
    private readonly Item[] _unordered = new Item[MaxCountedMembers];

    // Orders counted before, by slot (see TryOrderByPrefixes): each slot's keys' prefixes, the places counted for them, and
    // their count with InOrder set when the places were 0, 1, 2, ... (0 for a slot never filled: objects have two or more members).
    private const int RememberedOrders = 32, InOrder = 0x100;
    private readonly long[] _rememberedPrefixes = new long[RememberedOrders * MaxCountedMembers];
    private readonly int[] _rememberedPlaces = new int[RememberedOrders * MaxCountedMembers];
    private readonly int[] _rememberedCounts = new int[RememberedOrders];

    /// <summary>
    /// Puts <paramref name="members"/> in UTF-16 key order, RFC 8785 section 3.2.3; false on a duplicate key or too many
    /// members (the object is then declined).
    /// </summary>
    private bool TryOrder(ReadOnlySpan<byte> json, Span<Item> members) =>
        members.Length <= 1 || TryOrderByPrefixes(members) || TrySortMembers(json, members);

    /// <summary>
    /// The usual case: every key's first eight bytes are ASCII and no two keys share them. Then those eight bytes alone
    /// order the keys (<see cref="Key"/>), no two keys are equal, and each member's place is the number of members whose
    /// prefix is smaller: counted without a branch on the data, it costs the same whatever order the members came in.
    /// False when the case does not apply (a non-ASCII byte, a shared prefix, a duplicate key, or too many members):
    /// the members are then as they were, for the sort.
    /// </summary>
    /// <remarks>
    /// A log repeats its shapes (one event type's payload has the same keys in the same order every time), so the
    /// places counted are remembered, in a slot chosen by the first and last prefix and the count: an object whose
    /// prefixes are exactly a slot's, in the same order, has the same places, and takes them without counting. Only
    /// places that were counted and checked (every member its own place) are remembered; anything else is counted.
    /// </remarks>
    private bool TryOrderByPrefixes(Span<Item> members)
    {
        var n = members.Length;
        if (n > MaxCountedMembers)
        {
            return false;
        }

        Span<long> prefixes = _prefixes;
        var all = 0UL;
        for (var i = 0; i < n; i++)
        {
            all |= members[i].Key.Prefix;
            prefixes[i] = (long)members[i].Key.Prefix;
        }

        if ((all & Key.NonAscii) != 0)
        {
            return false;
        }

        // Every prefix is now below 2^63 (each byte's top bit is clear), so signed order is their order, and two of them
        // are compared at once (SSE4.2's pcmpgtq on x86-64-v2). An odd count is padded with the largest number, which
        // is never smaller than a member's prefix.
        if (n < MaxCountedMembers)
        {
            prefixes[n] = long.MaxValue;
        }

        var slot = (int)((((ulong)prefixes[0] * 31) ^ (ulong)prefixes[n - 1] ^ (uint)n) * 0x9E37_79B9_7F4A_7C15 >> 59); // 0 to 31
        var remembered = _rememberedPrefixes.AsSpan(slot * MaxCountedMembers, MaxCountedMembers);
        var rememberedPlaces = _rememberedPlaces.AsSpan(slot * MaxCountedMembers, n);
        if ((_rememberedCounts[slot] & ~InOrder) == n && SamePrefixes(prefixes, remembered, n))
        {
            Place(members, rememberedPlaces, (_rememberedCounts[slot] & InOrder) != 0);
            return true;
        }

        if (!TryCount(prefixes, n, out var inOrder))
        {
            return false;
        }

        // Remembered only now that the count is checked, with the padding of an odd count (SamePrefixes compares it too).
        prefixes[..((n + 1) & ~1)].CopyTo(remembered);
        _places.AsSpan(0, n).CopyTo(rememberedPlaces);
        _rememberedCounts[slot] = n | (inOrder ? InOrder : 0);
        Place(members, _places.AsSpan(0, n), inOrder);
        return true;
    }

    /// <summary>
    /// Whether the first <paramref name="n"/> prefixes (and the padding after an odd count) are the same in both, two at a
    /// time and inline: a general comparison is a call, which costs as much as the comparison of these few.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SamePrefixes(Span<long> prefixes, Span<long> remembered, int n)
    {
        ref var x = ref MemoryMarshal.GetReference(prefixes);
        ref var y = ref MemoryMarshal.GetReference(remembered);
        var differ = Vector128<long>.Zero;
        for (var j = 0; j < n; j += 2)
        {
            // In bounds: j + 1 < MaxCountedMembers, both spans' length (n is at most that, and j is even).
            differ |= Vector128.LoadUnsafe(ref x, (nuint)j) ^ Vector128.LoadUnsafe(ref y, (nuint)j);
        }

        return differ == Vector128<long>.Zero;
    }

    /// <summary>
    /// Each member's place (into <see cref="_places"/>), counted from the <paramref name="n"/> ASCII prefixes; false when two
    /// members share a place.
    /// </summary>
    private bool TryCount(Span<long> prefixes, int n, out bool inOrder)
    {
        ref var first = ref MemoryMarshal.GetReference(prefixes);
        Span<int> place = _places;
        var taken = 0u;
        inOrder = true;
        for (var i = 0; i < n; i++)
        {
            var prefix = Vector128.Create(prefixes[i]);
            var minusSmaller = Vector128<long>.Zero; // -1 in a lane for each member whose prefix is smaller
            for (var j = 0; j < n; j += 2)
            {
                // In bounds: j + 1 < MaxCountedMembers, the array's length (n is at most that, and j is even).
                minusSmaller += Vector128.LessThan(Vector128.LoadUnsafe(ref first, (nuint)j), prefix);
            }

            var smaller = -(int)Vector128.Sum(minusSmaller);
            place[i] = smaller;
            taken |= 1u << smaller;
            inOrder &= smaller == i;
        }

        return taken == (1u << n) - 1; // else two members share a place: their prefixes are equal (a duplicate key, or a shared prefix)
    }

    /// <summary>Moves each member to its place.</summary>
    private void Place(Span<Item> members, ReadOnlySpan<int> places, bool inOrder)
    {
        if (!inOrder)
        {
            Span<Item> copy = _unordered;
            members.CopyTo(copy);
            for (var i = 0; i < members.Length; i++)
            {
                members[places[i]] = copy[i];
            }
        }
    }

    /// <summary>
    /// Every other case: an insertion sort by <see cref="Key.Compare"/>. Objects are small, and this is bounded by
    /// <see cref="MaxSortedMembers"/> (a larger object is accepted only in order). Every pair of members that end up side
    /// by side is compared on the way (the one inserted with each it passes and the one it stops at), and equal keys end
    /// up side by side: so a duplicate key is always seen here.
    /// </summary>
    private static bool TrySortMembers(ReadOnlySpan<byte> json, Span<Item> members)
    {
        if (members.Length > MaxSortedMembers)
        {
            // Not sorted here: accepted only when already in order, each key greater than the one before (no duplicate).
            for (var i = 1; i < members.Length; i++)
            {
                if (Key.Compare(json, members[i - 1].Key, members[i].Key) >= 0)
                {
                    return false;
                }
            }

            return true;
        }

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
    /// A key without escapes: where its text lies in the input, and its first eight bytes as a big-endian number with
    /// zeros past its end. Comparing two such numbers orders the keys as <see cref="Utf16KeyOrder"/> does whenever the
    /// numbers differ and all their bytes are ASCII: the first differing byte is then within them, and UTF-16 order is
    /// byte order for ASCII; a key that ends first has a zero there (no key holds a raw zero byte, a control
    /// character), so it sorts first, as the shorter of two keys with a common prefix does.
    /// </summary>
    private readonly struct Key
    {
        /// <summary>The top bit of each byte of a prefix: set for a byte that is not ASCII.</summary>
        public const ulong NonAscii = 0x8080_8080_8080_8080;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Key(ReadOnlySpan<byte> json, int start, int length)
        {
            Start = start;
            Length = length;
            if (start <= json.Length - sizeof(ulong))
            {
                var word = BinaryPrimitives.ReadUInt64BigEndian(json[start..]);
                Prefix = length >= sizeof(ulong) ? word : word & ~(ulong.MaxValue >> (8 * length));
            }
            else
            {
                for (var i = 0; i < sizeof(ulong); i++)
                {
                    Prefix = (Prefix << 8) | (i < length ? json[start + i] : 0u);
                }
            }
        }

        /// <summary>Where the key's text (without its quotes) starts in the input.</summary>
        public int Start { get; }

        /// <summary>The length of the key's text in bytes.</summary>
        public int Length { get; }

        /// <summary>The first eight bytes, big-endian, zero-padded.</summary>
        public ulong Prefix { get; }

        /// <summary>The order of RFC 8785 section 3.2.3 (0 for equal keys): from the prefixes when they decide it, else in full.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int Compare(ReadOnlySpan<byte> json, in Key x, in Key y) =>
            x.Prefix != y.Prefix && ((x.Prefix | y.Prefix) & NonAscii) == 0 ? (x.Prefix < y.Prefix ? -1 : 1) : CompareInFull(json, x, y);

        private static int CompareInFull(ReadOnlySpan<byte> json, in Key x, in Key y) =>
            Utf16KeyOrder.Compare(json.Slice(x.Start, x.Length), json.Slice(y.Start, y.Length));
    }
}
