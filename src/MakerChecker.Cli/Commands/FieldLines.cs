using System.Text;

namespace MakerChecker.Cli.Commands;

/// <summary>
/// "label  value" lines for plain-text output, wrapped to fit 80 columns: a long value continues on lines indented
/// under the value, and breaks only at spaces, so a name, path, hash or reason code is never split (one longer than
/// the room left stands whole on its own line).
/// </summary>
internal static class FieldLines
{
    /// <summary>The terminal width the plain-text output fits.</summary>
    public const int Columns = 80;

    /// <summary>The width of the label column, two spaces included.</summary>
    public const int LabelWidth = 13;

    /// <summary>The line (or lines, joined by <see cref="Environment.NewLine"/>) for <paramref name="label"/> and <paramref name="value"/>.</summary>
    public static string Format(string label, string value)
    {
        var text = new StringBuilder(label.PadRight(LabelWidth));
        var lineLength = text.Length;
        var first = true;
        foreach (var word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!first && lineLength + 1 + word.Length > Columns)
            {
                text.Append(Environment.NewLine).Append(' ', LabelWidth).Append(word);
                lineLength = LabelWidth + word.Length;
            }
            else
            {
                if (!first) text.Append(' ');
                text.Append(word);
                lineLength += (first ? 0 : 1) + word.Length;
            }

            first = false;
        }

        return text.ToString();
    }
}
