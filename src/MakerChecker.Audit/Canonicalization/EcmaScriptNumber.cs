using System.Globalization;
using System.Text;

namespace MakerChecker.Audit.Canonicalization;

/// <summary>
/// Serializes an IEEE 754 double the way ECMAScript's <c>Number.prototype.toString</c> does, as RFC 8785 section
/// 3.2.2.3 requires: the shortest digits that round-trip, in plain notation for exponents from -6 to 20 and in
/// <c>1e+21</c> notation outside it.
/// </summary>
internal static class EcmaScriptNumber
{
    public static void Write(double value, ByteBuffer output)
    {
        if (!double.IsFinite(value))
        {
            throw new CanonicalJsonException(Verification.AuditReasonCodes.AmbiguousNumber,
                "A number is too large to be represented as an IEEE 754 double.");
        }

        if (value == 0)
        {
            output.Write((byte)'0'); // ECMAScript prints -0 as 0.
            return;
        }

        // Where .NET's shortest round-trip form is plain (no exponent: magnitudes from 1e-5 to below 1e15), it is ECMAScript's
        // too, digit for digit: written without allocating. Elsewhere the layout differs, and Format lays it out.
        Span<char> plain = stackalloc char[32];
        if (value.TryFormat(plain, out var length, "R", CultureInfo.InvariantCulture) && !plain[..length].Contains('E'))
        {
            var ascii = output.GetSpan(length);
            for (var i = 0; i < length; i++) ascii[i] = (byte)plain[i];
            output.Advance(length);
            return;
        }

        var text = Format(value);
        var span = output.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        output.Advance(written);
    }

    internal static string Format(double value)
    {
        // .NET's "R" gives the shortest round-tripping digits; only the layout differs from ECMAScript.
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(shortest.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            shortest = shortest[..e];
        }

        var dot = shortest.IndexOf('.', StringComparison.Ordinal);
        var digits = dot >= 0 ? string.Concat(shortest.AsSpan(0, dot), shortest.AsSpan(dot + 1)) : shortest;
        var n = dot >= 0 ? dot : shortest.Length; // value = 0.digits × 10^n
        var leadingZeros = 0;
        while (digits[leadingZeros] == '0')
        {
            leadingZeros++;
        }

        digits = digits[leadingZeros..].TrimEnd('0');
        n += exponent - leadingZeros;
        var k = digits.Length;

        var sb = new StringBuilder(32);
        if (value < 0)
        {
            sb.Append('-');
        }

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            var e10 = n - 1;
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }

            sb.Append('e').Append(e10 < 0 ? '-' : '+').Append(Math.Abs(e10).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
