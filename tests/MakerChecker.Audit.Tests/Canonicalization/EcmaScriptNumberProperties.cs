using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MakerChecker.Audit.Canonicalization;

namespace MakerChecker.Audit.Tests.Canonicalization;

/// <summary>
/// Numbers in canonical JSON are laid out as ECMAScript's <c>Number::toString</c> lays them out (RFC 8785 section
/// 3.2.2.3). The canonicalizer takes a shortcut where .NET's shortest round-trip text is plain; this holds it, and the
/// layout elsewhere, to the ECMA-262 algorithm re-stated here from the shortest digits, for numbers of every magnitude.
/// </summary>
public sealed class EcmaScriptNumberProperties
{
    private static readonly Arbitrary<double> Numbers = Arb.From(Gen.OneOf(
        from mantissa in Gen.Choose(-999_999, 999_999)
        from exponent in Gen.Choose(-30, 30)
        select mantissa * Math.Pow(10, exponent),
        from high in Gen.Choose(0, int.MaxValue)
        from low in Gen.Choose(0, int.MaxValue)
        select BitConverter.Int64BitsToDouble(((long)high << 33) ^ ((long)low << 2) ^ low)));

    [Property(MaxTest = 5000)]
    public Property A_number_is_written_as_ECMAScript_writes_it() => Prop.ForAll(Numbers, value =>
    {
        if (!double.IsFinite(value)) return true.ToProperty();
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        string written;
        try
        {
            written = Encoding.UTF8.GetString(JsonCanonicalizer.Canonicalize(Encoding.UTF8.GetBytes(text)));
        }
        catch (CanonicalJsonException)
        {
            return true.ToProperty(); // integers past 2^53 are refused, not laid out
        }
        var expected = EcmaScript(value);
        return (written == expected).Label($"{text}: wrote {written}, ECMAScript {expected}");
    });

    /// <summary>ECMA-262 Number::toString for a finite double, from its shortest round-trip digits.</summary>
    private static string EcmaScript(double value)
    {
        if (value == 0) return "0";
        var r = Math.Abs(value).ToString("E16", CultureInfo.InvariantCulture); // d.dddddddddddddddE+xxx, then shortened
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var mantissa = shortest.Split('E')[0].Replace(".", "", StringComparison.Ordinal).TrimStart('0').TrimEnd('0');
        var exponent = int.Parse(r[(r.IndexOf('E') + 1)..], CultureInfo.InvariantCulture); // value = d.ddd × 10^exponent
        var (s, k, n) = (mantissa, mantissa.Length, exponent + 1); // value = 0.s × 10^n
        var sign = value < 0 ? "-" : "";
        if (k <= n && n <= 21) return sign + s + new string('0', n - k);
        if (0 < n && n <= 21) return sign + s[..n] + "." + s[n..];
        if (-6 < n && n <= 0) return sign + "0." + new string('0', -n) + s;
        var e = n - 1;
        return sign + s[0] + (k > 1 ? "." + s[1..] : "") + "e" + (e < 0 ? "-" : "+") + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
    }
}
