using System.Security.Cryptography;

namespace MakerChecker.Audit.Tests.Transparency;

/// <summary>
/// RFC 6962 §2.1 written out literally (MTH, PATH, PROOF/SUBPROOF) over a list of leaves: slow and obviously right, the
/// independent model the incremental tree is tested against.
/// </summary>
internal static class ReferenceMerkle
{
    public static byte[] Mth(byte[][] d)
    {
        if (d.Length == 0)
        {
            return SHA256.HashData([]);
        }

        if (d.Length == 1)
        {
            return SHA256.HashData([0x00, .. d[0]]);
        }

        var k = LargestPowerOfTwoBelow(d.Length);
        return SHA256.HashData([0x01, .. Mth(d[..k]), .. Mth(d[k..])]);
    }

    public static List<byte[]> Path(int m, byte[][] d)
    {
        if (d.Length == 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(d.Length);
        return m < k ? [.. Path(m, d[..k]), Mth(d[k..])] : [.. Path(m - k, d[k..]), Mth(d[..k])];
    }

    public static List<byte[]> Proof(int m, byte[][] d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, byte[][] d, bool b)
    {
        var n = d.Length;
        if (m == n)
        {
            return b ? [] : [Mth(d)];
        }

        var k = LargestPowerOfTwoBelow(n);
        return m <= k ? [.. SubProof(m, d[..k], b), Mth(d[k..])] : [.. SubProof(m - k, d[k..], false), Mth(d[..k])];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }
}
