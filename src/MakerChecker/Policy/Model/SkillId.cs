using System.Diagnostics.CodeAnalysis;

namespace MakerChecker.Policy.Model;

/// <summary>
/// A skill name with one exact version, written <c>name@version</c> (for example <c>coverage.deny@1</c>).
/// A new version is a new skill for granting purposes.
/// </summary>
public readonly record struct SkillId
{
    private SkillId(string name, string version)
    {
        Name = name;
        Version = version;
    }

    /// <summary>The skill's name, for example <c>coverage.deny</c>.</summary>
    public string Name { get; }

    /// <summary>The skill's version, for example <c>1</c> or <c>1.2.0</c>.</summary>
    public string Version { get; }

    /// <summary>The skill as written: <c>name@version</c>.</summary>
    public override string ToString() => $"{Name}@{Version}";

    /// <summary>Parses <c>name@version</c>.</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="skill">The parsed skill, when the text is well formed.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a well-formed skill id.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out SkillId skill)
    {
        skill = default;
        if (text is null) return false;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != text.LastIndexOf('@')) return false;
        var name = text[..at];
        var version = text[(at + 1)..];
        if (!IsValidName(name) || !IsValidVersion(version)) return false;
        skill = new SkillId(name, version);
        return true;
    }

    /// <summary>Parses <c>name@version</c>, throwing when it is malformed.</summary>
    /// <param name="text">The text to parse.</param>
    /// <exception cref="FormatException">The text is not <c>name@version</c>.</exception>
    public static SkillId Parse(string text) =>
        TryParse(text, out var skill)
            ? skill
            : throw new FormatException($"'{text}' is not a skill id: write name@version, for example coverage.deny@1.");

    /// <summary>
    /// Whether <paramref name="name"/> is a valid skill name: dot-separated segments of lowercase letters, digits,
    /// <c>-</c> and <c>_</c>, each starting with a letter or digit.
    /// </summary>
    /// <param name="name">The name to check.</param>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > 128) return false;
        var segmentStart = true;
        foreach (var c in name)
        {
            if (c == '.')
            {
                if (segmentStart) return false;
                segmentStart = true;
                continue;
            }
            var alnum = c is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (segmentStart ? !alnum : !(alnum || c is '-' or '_')) return false;
            segmentStart = false;
        }
        return !segmentStart;
    }

    /// <summary>Whether <paramref name="version"/> is a valid version: dot-separated decimal numbers (<c>1</c>, <c>2.1.0</c>).</summary>
    /// <param name="version">The version to check.</param>
    public static bool IsValidVersion(ReadOnlySpan<char> version)
    {
        if (version.IsEmpty || version.Length > 32) return false;
        var segmentStart = true;
        foreach (var c in version)
        {
            if (c == '.')
            {
                if (segmentStart) return false;
                segmentStart = true;
                continue;
            }
            if (c is < '0' or > '9') return false;
            segmentStart = false;
        }
        return !segmentStart;
    }
}
