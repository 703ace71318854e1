namespace MakerChecker.Audit.Canonicalization;

/// <summary>The member order of RFC 8785 section 3.2.3: keys compared by their UTF-16 code units, worked out on UTF-8.</summary>
internal static class Utf16KeyOrder
{
    /// <summary>Compares two keys given as valid UTF-8 (escapes already resolved).</summary>
    public static int Compare(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        // Keys in one object mostly differ in their first byte: then there is no common prefix to look for.
        var i = x.Length != 0 && y.Length != 0 && x[0] != y[0] ? 0 : x.CommonPrefixLength(y);
        if (i == x.Length || i == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        // UTF-8 byte order is code point order. UTF-16 differs in one case only: a supplementary character
        // (UTF-8 lead byte F0..F4, a surrogate pair in UTF-16, 0xD800..) sorts before U+E000..U+FFFF (lead EE..EF).
        var (bx, by) = (x[i], y[i]);
        if (bx >= 0xEE && by >= 0xEE && (bx >= 0xF0) != (by >= 0xF0))
        {
            return bx >= 0xF0 ? -1 : 1;
        }

        return bx.CompareTo(by);
    }
}
