using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace MakerChecker.AspNetCore.Pages;

/// <summary>
/// Builds HTML text where every value is encoded: <c>Text</c> encodes, <see cref="Raw"/> is only for markup
/// written in this package. Bidirectional controls (which could reorder what a reviewer reads, such as U+202E) are
/// replaced by a visible marker before encoding, so a hostile string is shown as what it is.
/// </summary>
internal sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder _b = new(16 * 1024);

    public Html Raw(string markup)
    {
        _b.Append(markup);
        return this;
    }

    public Html Text(string? value)
    {
        if (string.IsNullOrEmpty(value)) return this;
        Encoder.Encode(new StringWriter(_b, CultureInfo.InvariantCulture), Visible(value));
        return this;
    }

    public Html Text(long value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>An attribute value, encoded (the caller writes the quotes).</summary>
    public Html Attr(string? value) => Text(value);

    /// <summary>Writes <c>&lt;tag&gt;text&lt;/tag&gt;</c>.</summary>
    public Html Element(string tag, string? text) => Raw("<").Raw(tag).Raw(">").Text(text).Raw("</").Raw(tag).Raw(">");

    public override string ToString() => _b.ToString();

    /// <summary>The string with every bidirectional control character replaced by a visible <c>[U+XXXX]</c>.</summary>
    internal static string Visible(string value)
    {
        var i = value.AsSpan().IndexOfAny(BidiControls);
        if (i < 0) return value;
        var b = new StringBuilder(value.Length + 16);
        foreach (var c in value)
        {
            if (BidiControls.Contains(c)) b.Append("[U+").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append(']');
            else b.Append(c);
        }
        return b.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> BidiControls = System.Buffers.SearchValues.Create(
        "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");

    /// <summary>A duration in words a reviewer reads at a glance: <c>45 s</c>, <c>12 min</c>, <c>3 h 5 min</c>, <c>2 d 4 h</c>.</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        return t.TotalSeconds < 60 ? FormattableString.Invariant($"{(int)t.TotalSeconds} s")
            : t.TotalMinutes < 60 ? FormattableString.Invariant($"{(int)t.TotalMinutes} min")
            : t.TotalHours < 24 ? FormattableString.Invariant($"{(int)t.TotalHours} h {t.Minutes} min")
            : FormattableString.Invariant($"{(int)t.TotalDays} d {t.Hours} h");
    }

    /// <summary>
    /// A policy rule (<c>path/to/policy.yaml:line:column</c>) as a reviewer reads it: the file's name and the line,
    /// without the server's directories.
    /// </summary>
    public static string Rule(string rule)
    {
        var slash = rule.LastIndexOfAny(['/', '\\']);
        return slash < 0 ? rule : rule[(slash + 1)..];
    }

    /// <summary>An instant as the log writes it, to the second, UTC.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>An instant for a <c>datetime</c> or <c>data-</c> attribute (ISO 8601, UTC).</summary>
    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
