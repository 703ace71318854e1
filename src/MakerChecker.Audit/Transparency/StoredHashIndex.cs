using System.Numerics;

namespace MakerChecker.Audit.Transparency;

/// <summary>
/// Where each hash of the tree lives in the linear, append-only sequence of stored hashes. The layout is that of Go's
/// <c>golang.org/x/mod/sumdb/tlog</c>: after leaf n's hash come the hashes of every complete subtree that leaf
/// finishes, so the sequence only ever grows at its end and a tree of n leaves holds 2n − popcount(n) hashes.
/// </summary>
internal static class StoredHashIndex
{
    /// <summary>
    /// The position of the n-th hash at <paramref name="level"/> (level 0 = leaves; level L covers 2^L leaves).
    /// Level L's n-th hash is written right after level L−1's (2n+1)-th hash, so we descend to level 0 and count.
    /// </summary>
    public static long Of(int level, long n)
    {
        for (var l = level; l > 0; l--)
        {
            n = (2 * n) + 1;
        }

        // Level 0's n-th hash is written at n + n/2 + n/4 + … (each term counts the hashes of the level above).
        long index = 0;
        for (; n > 0; n >>= 1)
        {
            index += n;
        }

        return index + level;
    }

    /// <summary>The number of hashes stored for a tree of <paramref name="leafCount"/> leaves: 2n − popcount(n).</summary>
    public static long CountFor(long leafCount) => (2 * leafCount) - BitOperations.PopCount((ulong)leafCount);

    /// <summary>
    /// The largest leaf count whose stored hashes fit in <paramref name="storedCount"/> hashes. A store holding more
    /// than <see cref="CountFor"/> of that count has a torn tail: the partial hash group of an interrupted append.
    /// </summary>
    public static long LeafCountWithin(long storedCount)
    {
        // CountFor is increasing in n and n ≤ CountFor(n) ≤ 2n, so the answer lies in [storedCount/2, storedCount].
        long lo = storedCount / 2, hi = storedCount;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo + 1) / 2);
            if (CountFor(mid) <= storedCount)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    /// <summary>The largest power of two strictly less than <paramref name="n"/> (n ≥ 2), and its exponent.</summary>
    public static (long K, int Level) MaxPow2Below(long n)
    {
        var level = 63 - BitOperations.LeadingZeroCount((ulong)(n - 1));
        return (1L << level, level);
    }
}
